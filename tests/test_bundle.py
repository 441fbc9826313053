"""The PyInstaller bundle: build.spec builds it, and the bundled app starts and makes a letter.

Builds into a temporary folder (about a minute), then runs the bundled ``iro-desk`` the way IT
and the IRO would: ``--version``, the GUI smoke test offscreen on a new demo caseload, and the
things most often missing from a bundle: SQLCipher (an encrypted caseload), the bank holiday
calendars, the reading-level dictionaries, the fonts and the letter artwork (a letter made in
each layout).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from iro_desk import __version__

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "kettle lantern otter"
BUILD_TIMEOUT = 240
RUN_TIMEOUT = 90


def pyinstaller() -> Path:
    found = Path(sys.executable).with_name("pyinstaller.exe" if os.name == "nt" else "pyinstaller")
    if not found.exists():
        pytest.skip("PyInstaller is not installed in this environment (pip install -e '.[test]')")
    return found


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled app, built from build.spec into a temporary folder."""
    out = tmp_path_factory.mktemp("bundle")
    result = subprocess.run(
        [
            str(pyinstaller()),
            "--noconfirm",
            "--clean",
            "--log-level",
            "WARN",
            "--distpath",
            str(out / "dist"),
            "--workpath",
            str(out / "work"),
            "build.spec",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"PyInstaller failed:\n{result.stdout}\n{result.stderr}"
    program = out / "dist" / "iro-desk" / ("iro-desk.exe" if os.name == "nt" else "iro-desk")
    assert program.is_file()
    shutil.rmtree(out / "work", ignore_errors=True)
    return program


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home folder of the test's own: the bundle must not touch the real one."""
    folder = tmp_path / "home"
    folder.mkdir()
    return folder


def run(
    program: Path, args: Sequence[str], home: Path, *, passphrase: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the bundled app offscreen with only the environment a fresh account would have."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "USERPROFILE": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "QT_QPA_PLATFORM": "offscreen",
        "LANG": "C.UTF-8",
    }
    # Windows needs these to start any program; LOCALAPPDATA is where the data goes there.
    env |= {key: os.environ[key] for key in ("SYSTEMROOT", "TEMP", "TMP") if key in os.environ}
    if os.name == "nt":
        env["LOCALAPPDATA"] = str(home / "AppData" / "Local")
        env["APPDATA"] = str(home / "AppData" / "Roaming")
    if passphrase:
        env["IRO_DESK_PASSPHRASE"] = passphrase
    return subprocess.run(
        [str(program), *args],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def test_the_bundle_says_its_version(bundle: Path, home: Path) -> None:
    result = run(bundle, ["--version"], home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"iro-desk {__version__}"


def test_the_bundled_app_starts_offscreen_and_shows_the_demo_caseload(
    bundle: Path, home: Path
) -> None:
    caseload = home / "x.irodesk"
    result = run(bundle, ["gui", "--smoke-test", "--db", str(caseload)], home)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert result.stdout.strip() == "smoke test: ok, 20 children shown"
    assert caseload.is_file()

    again = run(bundle, ["gui", "--smoke-test", "--db", str(caseload)], home)
    assert again.returncode == 0, f"{again.stdout}\n{again.stderr}"
    assert again.stdout.strip() == "smoke test: ok, 20 children shown"


def test_the_smoke_test_fails_loudly_on_a_file_that_is_not_a_caseload(
    bundle: Path, home: Path
) -> None:
    stranger = home / "notes.irodesk"
    stranger.write_bytes(b"Dear diary, this is not a caseload.\n")
    result = run(bundle, ["gui", "--smoke-test", "--db", str(stranger)], home)
    assert result.returncode != 0
    assert "smoke test: FAILED" in result.stderr


def test_the_bundle_makes_letters_from_an_encrypted_caseload(bundle: Path, home: Path) -> None:
    caseload = str(home / "encrypted.irodesk")
    made = run(
        bundle, ["--db", caseload, "demo", "--children", "3", "--years", "1"], home,
        passphrase=PASSPHRASE,
    )
    assert made.returncode == 0, made.stderr
    locked = run(bundle, ["--db", caseload, "due"], home)
    assert locked.returncode != 0, "an encrypted caseload must not open without its passphrase"

    intro = run(
        bundle,
        ["--db", caseload, "letter", "--intro", "DEMO-0001", "--out", str(home / "intro.pdf"),
         "--json"],
        home,
        passphrase=PASSPHRASE,
    )
    assert intro.returncode == 0, intro.stderr
    assert json.loads(intro.stdout)["reading_age"] > 0

    reviews = run(
        bundle, ["--db", caseload, "review", "list", "--child", "DEMO-0001", "--json"], home,
        passphrase=PASSPHRASE,
    )
    assert reviews.returncode == 0, reviews.stderr
    held = [review["id"] for review in json.loads(reviews.stdout) if review["status"] == "held"]
    assert held, "the demo child has a held review"
    for layout in ([], ["--dyslexia"], ["--large-print"]):
        pdf = home / f"review{''.join(layout)}.pdf"
        letter = run(
            bundle,
            ["--db", caseload, "letter", "--review", held[-1], *layout, "--out", str(pdf)],
            home,
            passphrase=PASSPHRASE,
        )
        assert letter.returncode == 0, f"{layout}: {letter.stderr}"
        assert pdf.read_bytes().startswith(b"%PDF")

    due = run(bundle, ["--db", caseload, "due", "--json"], home, passphrase=PASSPHRASE)
    assert due.returncode == 0, due.stderr
    assert json.loads(due.stdout), "the statutory calendar (bank holidays) lists what is due"

"""The desktop app (PySide6): windows, views, item models and dialogs over the core.

Only this package imports Qt. Start the app with ``iro_desk.ui.app.run_app``; other screens
plug into ``iro_desk.ui.main_window.MainWindow`` (see its module docstring).
"""

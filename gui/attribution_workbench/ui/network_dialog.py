"""Request ▸ Network settings…: proxy (system / none / manual) and the OS trust store.

The choices are declared settings (``ui.settings``: PROXY_MODE, PROXY_URL, PROXY_USER,
OS_TRUST_STORE); the manual proxy's password goes to the keyring (``KeyStore``), never to
the settings file. The window's sender is rebuilt after a change so the next send uses it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from attribution_workbench.core.network import NetworkConfig, ProxyMode, check_proxy_url
from attribution_workbench.ui import settings as S
from attribution_workbench.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from attribution_workbench.core.client import Client


def network_config(settings: S.Settings) -> NetworkConfig:
    return NetworkConfig(
        proxy_mode=ProxyMode(settings.get(S.PROXY_MODE)),
        proxy_url=settings.get(S.PROXY_URL),
        proxy_user=settings.get(S.PROXY_USER),
        use_os_trust_store=settings.get(S.OS_TRUST_STORE),
    )


def load_network(settings_path: str | None) -> tuple[NetworkConfig, str | None]:
    """The saved network config and the manual proxy's password (blocks on the keyring:
    call it from a worker). A keyring failure means no password, not a failed send."""
    config = network_config(S.Settings(settings_path))
    if config.proxy_mode is not ProxyMode.MANUAL or not config.proxy_user:
        return config, None
    from attribution_workbench.core.credentials import CredentialError, KeyStore

    try:
        return config, KeyStore().get_proxy_password()
    except CredentialError:
        return config, None


def network_client(settings_path: str | None, **options: Any) -> Client:
    """A ``core.client.Client`` with Settings ▸ Network applied (proxy, its password, the OS
    trust store): what Send, Verify and Batch all send with. Call it from a worker: it
    imports the HTTP client and may wait on the keyring for the proxy password."""
    from attribution_workbench.core.client import Client

    network, password = load_network(settings_path)
    return Client(network=network, proxy_password=password, **options)


class NetworkDialog(QDialog):
    def __init__(
        self, settings: S.Settings, on_saved: Callable[[], None], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("network_dialog")
        self.setWindowTitle("Network settings")
        self._settings = settings
        self._on_saved = on_saved
        self._runner = TaskRunner(self, max_threads=1)

        self.system = QRadioButton("Use the &system proxy (environment)")
        self.none = QRadioButton("&No proxy")
        self.manual = QRadioButton("&Manual proxy:")
        self.modes = QButtonGroup(self)
        for button, mode in (
            (self.system, ProxyMode.SYSTEM),
            (self.none, ProxyMode.NONE),
            (self.manual, ProxyMode.MANUAL),
        ):
            button.setObjectName(f"proxy_{mode.value}")
            self.modes.addButton(button)
        self.url = QLineEdit()
        self.url.setPlaceholderText("http://proxy.example.com:3128")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("unchanged (kept in the keyring)")
        self.trust = QCheckBox("&Trust certificates from the operating system's store")
        self.trust.setObjectName("os_trust_store")
        self.error = QLabel()
        for widget, name in (
            (self.url, "proxy_url"),
            (self.user, "proxy_user"),
            (self.password, "proxy_password"),
            (self.error, "network_error"),
        ):
            widget.setObjectName(name)
        self.error.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Proxy &address:", self.url)
        form.addRow("&User (optional):", self.user)
        form.addRow("&Password:", self.password)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for button in (self.system, self.none, self.manual):
            layout.addWidget(button)
        layout.addLayout(form)
        layout.addWidget(self.trust)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.manual.toggled.connect(self._update)
        self.load()

    def load(self) -> None:
        """Show the saved settings (each time the dialog opens: unsaved edits are dropped)."""
        config = network_config(self._settings)
        for button, mode in (
            (self.system, ProxyMode.SYSTEM),
            (self.none, ProxyMode.NONE),
            (self.manual, ProxyMode.MANUAL),
        ):
            button.setChecked(config.proxy_mode is mode)
        self.url.setText(config.proxy_url)
        self.user.setText(config.proxy_user)
        self.password.clear()
        self.trust.setChecked(config.use_os_trust_store)
        self.error.clear()
        self._update()

    def _update(self) -> None:
        for widget in (self.url, self.user, self.password):
            widget.setEnabled(self.manual.isChecked())

    def mode(self) -> ProxyMode:
        if self.none.isChecked():
            return ProxyMode.NONE
        return ProxyMode.MANUAL if self.manual.isChecked() else ProxyMode.SYSTEM

    def save(self) -> None:
        mode = self.mode()
        if mode is ProxyMode.MANUAL and (problem := check_proxy_url(self.url.text())):
            self.error.setText(problem)
            return
        s = self._settings
        s.set(S.PROXY_MODE, mode.value)
        s.set(S.PROXY_URL, self.url.text().strip())
        s.set(S.PROXY_USER, self.user.text().strip())
        s.set(S.OS_TRUST_STORE, self.trust.isChecked())
        s.sync()
        # The settings are written: Send must follow them now, like Verify and Batch (which
        # read them per run), even if storing the password below fails.
        self._on_saved()
        password = self.password.text()
        if password:
            self.password.clear()
            self._runner.run(lambda: _store_password(password), self._on_stored, "proxy password")
        else:
            self._on_stored(None, None)

    def _on_stored(self, _result: Any, error: BaseException | None) -> None:
        if error is not None:
            self.error.setText(f"The proxy password was not saved: {error}")
            return
        self._on_saved()  # the password is part of the settings Send uses
        self.accept()


def _store_password(password: str) -> None:
    from attribution_workbench.core.credentials import KeyStore

    KeyStore().set_proxy_password(password)


def open_network_dialog(window: Any) -> NetworkDialog:
    """Show the dialog for ``window`` (a MainWindow); a change rebuilds its sender.

    One dialog per window, made on first use and reloaded from the settings at each open:
    a new one per open would pile up as hidden children of the window (and deleting one
    would wait on a proxy password still being written to the keyring).
    """
    dialog: NetworkDialog | None = window.findChild(NetworkDialog, "network_dialog")
    if dialog is None:
        backend = window.backend
        dialog = NetworkDialog(backend.settings, lambda: backend.reset_sender(), window)
        dialog.setModal(True)
    else:
        dialog.load()
    dialog.show()
    dialog.raise_()
    return dialog

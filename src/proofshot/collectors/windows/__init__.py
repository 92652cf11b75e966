"""Windows hosts over WinRM or OpenSSH for Windows (PowerShell on the far side)."""

#!/usr/bin/env bash
# Installs what placeplan needs from Debian when it is missing: OpenBLAS (headers found
# through pkg-config), SQLite (for the run store), OpenSSL's libcrypto (the SHA-256 of a
# saved run's inputs), COIN-OR CBC (the MIP solver of
# `placeplan plan`), libxlsxwriter (Excel workbooks) and pkg-config itself; and Python's
# openpyxl, with which the tests open the workbooks as Excel would. Swift must already be on the PATH.
set -euo pipefail
if ! command -v swift >/dev/null 2>&1; then
  echo "placeplan needs Swift 6 on the PATH (https://www.swift.org/install/linux/)." >&2
  exit 1
fi
if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists openblas && pkg-config --exists sqlite3 && pkg-config --exists libcrypto && pkg-config --exists cbc && pkg-config --exists xlsxwriter; then
  python3 -c 'import openpyxl' 2>/dev/null || python3 -m pip install -q openpyxl 2>/dev/null || echo "openpyxl could not be installed: the workbook tests will be skipped" >&2
  exit 0
fi
echo "Installing libopenblas-dev, libsqlite3-dev, libssl-dev, coinor-libcbc-dev, libxlsxwriter-dev and pkg-config with apt-get ..." >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq libopenblas-dev libsqlite3-dev libssl-dev coinor-libcbc-dev libxlsxwriter-dev pkg-config >/dev/null
pkg-config --exists openblas || { echo "OpenBLAS is still not found by pkg-config." >&2; exit 1; }
pkg-config --exists libcrypto || { echo "OpenSSL's libcrypto is still not found by pkg-config." >&2; exit 1; }
pkg-config --exists cbc || { echo "COIN-OR CBC is still not found by pkg-config." >&2; exit 1; }
pkg-config --exists xlsxwriter || { echo "libxlsxwriter is still not found by pkg-config." >&2; exit 1; }
python3 -c 'import openpyxl' 2>/dev/null || python3 -m pip install -q openpyxl 2>/dev/null || echo "openpyxl could not be installed: the workbook tests will be skipped" >&2

@echo off
rem Build the Windows installer: frozen folder (PyInstaller) + Inno Setup. NOT TESTED: written on
rem Linux, where neither Windows nor Inno Setup is available. Run from any folder on a Windows
rem 10/11 x64 PC with Python 3.11 ("py" launcher) and Inno Setup 6 (iscc.exe on PATH).
rem Installs the versions of build\frozen-versions.txt (Qt 6.8 LTS, ...), as the Linux build does;
rem every one has a win_amd64 wheel (make windows-wheels checks that on Linux).
setlocal
cd /d "%~dp0\..\.."
if not exist .venv\Scripts\python.exe py -3.11 -m venv .venv || exit /b 1
.venv\Scripts\python -m pip install -q --upgrade pip || exit /b 1
.venv\Scripts\python -m pip install -q -c build\frozen-versions.txt -e ".[dist]" || exit /b 1
.venv\Scripts\python -m PyInstaller --noconfirm --clean --distpath build\dist --workpath build\work build\pyinstaller.spec || exit /b 1
if exist build\work\selftest-data rmdir /s /q build\work\selftest-data
build\dist\qsdesk\qsdesk-cli.exe init --data-dir build\work\selftest-data --kind station --code 370112001 --name test --parent-code 370112 --inspector T:13800000000:37011200101 || exit /b 1
build\dist\qsdesk\qsdesk-cli.exe selftest --data-dir build\work\selftest-data || exit /b 1
for /f "delims=" %%v in ('.venv\Scripts\python -c "import qsdesk; print(qsdesk.__version__)"') do set VERSION=%%v
iscc /DAppVersion=%VERSION% build\windows\qsdesk.iss || exit /b 1
echo Installer: build\dist\qsdesk_%VERSION%_setup.exe

; Inno Setup 6 script: the Windows installer of qsdesk (质量安全监管工作台).
;
; NOT BUILT OR TESTED on the project's Linux machines (no Windows, no Inno Setup, no wine there).
; Build on a Windows 10/11 x64 PC with Python 3.11+ and Inno Setup 6 (iscc on PATH):
;   build\windows\build.cmd
; which freezes the program with PyInstaller (build\pyinstaller.spec, the same spec as on Linux)
; into build\dist\qsdesk\ and then runs
;   iscc /DAppVersion=0.1.0 build\windows\qsdesk.iss
; The installer lands in build\dist\qsdesk_<version>_setup.exe.
;
; What it does: installs the frozen folder (qsdesk.exe windowed, qsdesk-cli.exe for the command
; line, _internal\) into Program Files (or, when the user chooses "only for me" / has no admin
; rights, into the user's programs folder); Start-menu entries for the program and its
; uninstaller; a desktop shortcut (ticked by default). Upgrading installs over the old version
; (same AppId) after deleting the old _internal folder. The data directory
; (%LOCALAPPDATA%\qsdesk: database, keys, attachments, backups) is never touched by install,
; upgrade or uninstall.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "质量安全监管工作台"
#define AppExe "qsdesk.exe"

[Setup]
AppId={{42F856FC-402E-4F8D-8BDA-7A1AB64C87DE}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=qsdesk
DefaultDirName={autopf}\qsdesk
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SourceDir=..\..
OutputDir=build\dist
OutputBaseFilename=qsdesk_{#AppVersion}_setup
SetupIconFile=resources\icons\qsdesk.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no

[Languages]
; ChineseSimplified.isl ships with Inno Setup 6 (in older 6.x releases under Languages\Unofficial:
; copy it to Languages\ or change the path).
Name: "chs"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"
Name: "en"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[InstallDelete]
; an upgrade must not keep libraries of the old version next to the new ones
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "build\dist\qsdesk\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"
Name: "{group}\卸载 {#AppName}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

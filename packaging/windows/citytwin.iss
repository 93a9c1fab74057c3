; Inno Setup 6 script of the CityTwin installer for Windows (x64). UTF-8 with a BOM (Inno needs the BOM).
;
; It packs the PyInstaller one-folder bundle dist\CityTwin (packaging\citytwin.spec) into
; dist\CityTwin-<version>-windows-x64-setup.exe: a per-user install (no administrator rights) to
; %LOCALAPPDATA%\Programs\CityTwin, a Start-menu entry, an optional desktop icon, an uninstaller
; (Settings > Apps), English and Vietnamese installer texts.
;
; Build with packaging\build_windows.ps1, or by hand from the repository root:
;   ISCC /DAppVersion=0.1.0 packaging\windows\citytwin.iss
; Needs Inno Setup 6.3 or newer (6.5 or newer ships Languages\Vietnamese.isl; with an older one the
; installer is English only).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\CityTwin"
#endif
#define AppName "CityTwin"
#define AppExe "CityTwin.exe"

[Setup]
; AppId identifies the installation for upgrades and uninstall: never change it.
AppId={{5FDBCE85-B85B-43DE-A47E-44FBE2B2C042}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=CityTwin
VersionInfoVersion={#AppVersion}
; per user: no UAC prompt, installed under the user's own programs folder
PrivilegesRequired=lowest
DefaultDirName={localappdata}\Programs\{#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename={#AppName}-{#AppVersion}-windows-x64-setup
SetupIconFile=..\..\resources\icons\citytwin.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
LicenseFile=..\..\LICENSE
WizardStyle=modern
ShowLanguageDialog=auto
Compression=lzma2/max
SolidCompression=yes
CloseApplications=yes

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
#if FileExists(CompilerPath + "Languages\Vietnamese.isl")
Name: "vi"; MessagesFile: "compiler:Languages\Vietnamese.isl"
#else
  #pragma message "Languages\Vietnamese.isl not found (Inno Setup 6.5+ ships it): English-only installer"
#endif

[CustomMessages]
en.AppComment=A digital twin of the city: GIS layers, 3D buildings, sensors and flood scenarios, offline
#if FileExists(CompilerPath + "Languages\Vietnamese.isl")
vi.AppComment=Bản sao số đô thị: lớp GIS, nhà 3D, cảm biến và kịch bản ngập lụt, không cần Internet
#endif

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; an upgrade replaces the bundle as a whole: no library of an older version is left beside the new ones
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; the one-folder bundle: CityTwin.exe (the window), citytwin-cli.exe (the headless commands), _internal\
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "{cm:AppComment}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
; written by the app beside its code after installation (compiled Python, numba's kernel cache)
Type: filesandordirs; Name: "{app}\_internal"

# Build the Windows installer of CityTwin: the PyInstaller one-folder bundle (packaging\citytwin.spec,
# the same spec as on Linux) and the Inno Setup installer around it (packaging\windows\citytwin.iss).
#
#   powershell -ExecutionPolicy Bypass -File packaging\build_windows.ps1 [-Clean] [-NoInstaller]
#
# Needs: 64-bit Python 3.11 (the "py" launcher or python.exe on PATH), Inno Setup 6.3+ (ISCC.exe; 6.5+
# for the Vietnamese installer texts). Writes dist\CityTwin\ and dist\CityTwin-<version>-windows-x64-setup.exe.
param(
    [switch]$Clean,        # rebuild PyInstaller's cache
    [switch]$NoInstaller   # stop after the bundle and its self-test
)
$ErrorActionPreference = "Stop"
$repo = Split-Path -Parent $PSScriptRoot
Set-Location $repo
$start = Get-Date

function Invoke-Checked([string]$exe, [string[]]$arguments) {
    & $exe @arguments
    if ($LASTEXITCODE -ne 0) { throw "$exe $($arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# --- Python environment --------------------------------------------------------------------------
$python = "$repo\.venv\Scripts\python.exe"
if (-not (Test-Path $python)) {
    if (Get-Command py -ErrorAction SilentlyContinue) { Invoke-Checked "py" @("-3.11", "-m", "venv", ".venv") }
    else { Invoke-Checked "python" @("-m", "venv", ".venv") }
}
Invoke-Checked $python @("-m", "pip", "install", "-q", "--upgrade", "pip")
Invoke-Checked $python @("-m", "pip", "install", "-q", "-e", ".[package]")
$version = (& $python -c "import tomllib; print(tomllib.load(open('pyproject.toml', 'rb'))['project']['version'])").Trim()

# --- icons and translations ----------------------------------------------------------------------
if (-not (Test-Path "resources\icons\citytwin.ico")) { Invoke-Checked $python @("packaging\make_icons.py") }
foreach ($ts in Get-ChildItem "resources\translations\*.ts" -ErrorAction SilentlyContinue) {
    $qm = [System.IO.Path]::ChangeExtension($ts.FullName, ".qm")
    Invoke-Checked "$repo\.venv\Scripts\pyside6-lrelease.exe" @("-silent", $ts.FullName, "-qm", $qm)
}

# --- the bundle ----------------------------------------------------------------------------------
$pyinstallerArgs = @("--noconfirm", "--log-level", "WARN", "--distpath", "dist", "--workpath", "build\pyinstaller")
if ($Clean) { $pyinstallerArgs += "--clean" }
Invoke-Checked "$repo\.venv\Scripts\pyinstaller.exe" ($pyinstallerArgs + @("packaging\citytwin.spec"))
Copy-Item LICENSE "dist\CityTwin\LICENSE" -Force

# --- a short self-test of the frozen bundle (the full smoke test, packaging/smoke_test.py, is Linux's)
$cli = "$repo\dist\CityTwin\citytwin-cli.exe"
$internal = "$repo\dist\CityTwin\_internal"
foreach ($name in "PROJ_DATA", "PROJ_LIB", "GDAL_DATA", "PYTHONPATH", "PYTHONHOME") {
    Remove-Item "Env:$name" -ErrorAction SilentlyContinue  # the bundle must find its own data
}
Push-Location $env:TEMP
try {
    $report = (& $cli selftest) -join "`n" | ConvertFrom-Json
    $failures = @()
    foreach ($lib in "pyproj", "rasterio", "pyogrio") {
        $dir = $report.$lib.dir
        if (-not $report.$lib.proj_db -or -not $dir -or -not ([System.IO.Path]::GetFullPath($dir)).StartsWith($internal, [System.StringComparison]::OrdinalIgnoreCase)) {
            $failures += "$lib has no proj.db of its own in the bundle ($dir)"
        }
    }
    $dx = [math]::Abs($report.vn2000.xy[0] - 585866.9450253951); $dy = [math]::Abs($report.vn2000.xy[1] - 1109730.0145311267)
    if ($dx -gt 0.01 -or $dy -gt 0.01) { $failures += "VN-2000 point off by $dx, $dy m" }
    if ($report.buildings.features -ne 5438) { $failures += "buildings: $($report.buildings.features) features, expected 5438" }
    if ("$($report.dem.shape)" -ne "625 750") { $failures += "DEM shape $($report.dem.shape), expected 625 750" }
    if (-not $report.numba.flood_kernels_import) { $failures += "numba: $($report.numba.error)" }
    $png = Join-Path $env:TEMP "citytwin-render-check.png"
    Invoke-Checked $cli @("render", "--view", "3d", "--size", "800x450", "--out", $png)
    if ((Get-Item $png).Length -lt 50000) { $failures += "3D render $png looks empty" }
    if ($failures.Count -gt 0) { throw "frozen self-test failed:`n  " + ($failures -join "`n  ") }
    Write-Host "frozen self-test passed (PROJ data per package, VN-2000 point, DEM, buildings, numba, 3D render)"
} finally { Pop-Location }

# --- the installer -------------------------------------------------------------------------------
if (-not $NoInstaller) {
    $iscc = @(
        (Get-Command ISCC.exe -ErrorAction SilentlyContinue | Select-Object -ExpandProperty Source),
        "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe",
        "$env:ProgramFiles\Inno Setup 6\ISCC.exe",
        "$env:LOCALAPPDATA\Programs\Inno Setup 6\ISCC.exe"
    ) | Where-Object { $_ -and (Test-Path $_) } | Select-Object -First 1
    if (-not $iscc) { throw "Inno Setup 6 (ISCC.exe) not found: install it from https://jrsoftware.org/isdl.php" }
    Invoke-Checked $iscc @("/Q", "/DAppVersion=$version", "/DSourceDir=$repo\dist\CityTwin", "packaging\windows\citytwin.iss")
}

# --- sizes and time ------------------------------------------------------------------------------
$folder = (Get-ChildItem "dist\CityTwin" -Recurse -File | Measure-Object -Property Length -Sum).Sum
Write-Host ("bundle folder dist\CityTwin: {0:N0} MiB" -f ($folder / 1MB))
$setup = "dist\CityTwin-$version-windows-x64-setup.exe"
if (Test-Path $setup) { Write-Host ("installer {0}: {1:N0} MiB" -f $setup, ((Get-Item $setup).Length / 1MB)) }
Write-Host ("build time: {0:N0} s" -f ((Get-Date) - $start).TotalSeconds)

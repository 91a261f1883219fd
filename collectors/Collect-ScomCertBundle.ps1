<#
.SYNOPSIS
    Collects what a support engineer needs to explain a SCOM certificate-authentication failure
    on this machine, into one zip file (scomtriage diagnostics bundle, format version 1).

.DESCRIPTION
    Run this on a SCOM agent, gateway or management server in an elevated Windows PowerShell
    (right-click Windows PowerShell, then "Run as administrator"). The script only reads; it
    changes nothing on the machine. It collects:

      - the computer's names (NetBIOS, DNS from the registry, FQDN from the resolver), domain
        or workgroup, time zone, operating system, SCOM role, product and version, and the
        Health Service's status and start time (manifest.json);
      - the certificates of the LocalMachine stores My, Root, CA and Operations Manager, as
        DER .cer files named by SHA-1 thumbprint (public certificates only);
      - per certificate, facts about its private key: provider name and type, key spec,
        machine key set, exportable flag, CNG or not, and whether the key can be opened
        (certificates\inventory.json);
      - the chain this machine builds for each of its own certificates (PKCS#7, certificates
        only), plus any .p7b files given with -ChainFile;
      - reg export of the SCOM, Health Service, certificate store, certificate policy,
        enterprise certificate and TCP/IP keys;
      - the Operations Manager event log with its locale metadata (wevtutil epl and al), and
        with -IncludeSystemLogs also System, Application and Microsoft-Windows-CAPI2/Operational;
      - the output of certutil -v -store my, and collector.log with every step and its outcome.

    A step that fails is written to collector.log and to the errors list in manifest.json, and
    the other steps still run. At the end the script prints the zip's path and size.

    PRIVATE KEYS NEVER LEAVE THE MACHINE. The script writes public certificates only. It opens
    each private key once, to test that it can be used, and reads the key's provider properties;
    it never exports, copies or prints key material, and it never asks for or stores a password.

.PARAMETER OutputPath
    Folder for the zip file. Default: the current user's desktop (or the current folder when
    there is no desktop). Created if missing.

.PARAMETER IncludeSystemLogs
    Also export the System, Application and Microsoft-Windows-CAPI2/Operational event logs.
    They show Schannel and certificate-chain errors around a failure, but can be large.

.PARAMETER MaxEventLogMB
    Largest event log (size on disk, in MB) that is exported. A larger log is skipped and the
    skip is noted in manifest.json, unless -Force is given. Default: 512.

.PARAMETER Force
    Export event logs even when they are larger than -MaxEventLogMB.

.PARAMETER CaseId
    Your support case number. It goes into the zip file's name.

.PARAMETER ChainFile
    Optional: paths of certificate-chain files (.p7b) you received from your certification
    authority. They are checked to hold certificates only and are added to the bundle.

.EXAMPLE
    powershell.exe -ExecutionPolicy Bypass -File .\Collect-ScomCertBundle.ps1

    Collects into a zip on the desktop.

.EXAMPLE
    .\Collect-ScomCertBundle.ps1 -CaseId 2411200010001234 -IncludeSystemLogs -OutputPath C:\Temp

    Collects also the System, Application and CAPI2 logs, and writes
    C:\Temp\ScomCertBundle_2411200010001234_<computer>_<time>.zip.

.EXAMPLE
    .\Collect-ScomCertBundle.ps1 -ChainFile C:\Temp\certnew.p7b -MaxEventLogMB 1024

    Adds the chain file downloaded from the CA, and accepts event logs up to 1 GB.

.NOTES
    Collector version 1.0.0. Needs Windows PowerShell 3.0 or later (Windows Server 2012 R2 and
    later ship 4.0 or 5.1) and .NET Framework 4.5 or later. Bundle format:
    docs/collector.md and the bundle specification in the scomtriage project.
#>

#Requires -Version 3.0

# SAFETY: this script never exports a private key. It writes public certificates only (the DER
# bytes of each certificate, or PKCS#7 bags of certificates), never a PKCS#12 file, never key
# blobs or key parameters, and never asks for or stores a password. Private keys are opened only
# to test that they can be used; their properties (provider, key spec, flags) are recorded.
# The contract test tests/collector_contract.rs fails the build if any key-export call appears.

[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [string]$OutputPath = '',

    [switch]$IncludeSystemLogs,

    [ValidateRange(1, 1048576)]
    [int]$MaxEventLogMB = 512,

    [switch]$Force,

    [string]$CaseId = '',

    [string[]]$ChainFile = @()
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# ------------------------------------------------------------------------------------------------
# Preconditions, checked before anything else is done.
# ------------------------------------------------------------------------------------------------
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    Write-Host ('PowerShell runs in {0} mode here (AppLocker or Device Guard policy); this script needs FullLanguage mode.' -f $ExecutionContext.SessionState.LanguageMode) -ForegroundColor Red
    Write-Host 'Ask your administrator to run it, or to allow it by policy.'
    exit 3
}

$currentPrincipal = New-Object System.Security.Principal.WindowsPrincipal([System.Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $currentPrincipal.IsInRole([System.Security.Principal.WindowsBuiltInRole]::Administrator)) {
    Write-Host ''
    Write-Host 'This script must run in an elevated Windows PowerShell ("Run as administrator").' -ForegroundColor Red
    Write-Host 'It reads the computer''s certificate stores and private-key properties, and exports'
    Write-Host 'event logs and registry keys; Windows allows that only to administrators.'
    Write-Host ''
    Write-Host 'How to open an elevated Windows PowerShell:'
    Write-Host '  1. Click Start and type: Windows PowerShell'
    Write-Host '  2. Right-click "Windows PowerShell" and choose "Run as administrator"; confirm the prompt.'
    Write-Host '     (Server Core: run   Start-Process powershell.exe -Verb RunAs)'
    Write-Host '  3. In the new window, go to the folder of the script and run it again, for example:'
    Write-Host '       cd C:\Temp'
    Write-Host '       powershell.exe -ExecutionPolicy Bypass -File .\Collect-ScomCertBundle.ps1'
    Write-Host ''
    Write-Host 'The window title starts with "Administrator:" when the prompt is elevated.'
    exit 2
}

$script:CollectorName = 'Collect-ScomCertBundle.ps1'
$script:CollectorVersion = '1.0.0'

# ------------------------------------------------------------------------------------------------
# Bundle layout: every member the script writes, relative to the bundle root, with '/' separators
# (bundle format version 1). All writes into the bundle go through Get-BundlePath, which only
# accepts a name from this table. The contract test parses this table: keep one
# "Name = 'path'" entry per line.
# ------------------------------------------------------------------------------------------------
$script:BundleLayout = [ordered]@{
    Manifest                    = 'manifest.json'
    Inventory                   = 'certificates/inventory.json'
    CertStoreMy                 = 'certificates/LocalMachine/My'
    CertStoreRoot               = 'certificates/LocalMachine/Root'
    CertStoreCA                 = 'certificates/LocalMachine/CA'
    CertStoreOpsMgr             = 'certificates/LocalMachine/Operations Manager'
    Chains                      = 'certificates/chains'
    RegOpsMgr                   = 'registry/opsmgr.reg'
    RegHealthService            = 'registry/healthservice.reg'
    RegSystemCertificates       = 'registry/systemcertificates.reg'
    RegPolicySystemCertificates = 'registry/policy-systemcertificates.reg'
    RegEnterpriseCertificates   = 'registry/enterprise-certificates.reg'
    RegTcpip                    = 'registry/tcpip.reg'
    EvtOpsMgr                   = 'eventlogs/Operations Manager.evtx'
    EvtSystem                   = 'eventlogs/System.evtx'
    EvtApplication              = 'eventlogs/Application.evtx'
    EvtCapi2                    = 'eventlogs/Microsoft-Windows-CAPI2%4Operational.evtx'
    LocaleMetaData              = 'eventlogs/LocaleMetaData'
    CertutilStoreMy             = 'commands/certutil-store-my.txt'
    CollectorLog                = 'collector.log'
}

# Certificate stores (LocalMachine) and the layout entry each one is written to.
$script:CertificateStores = @(
    @{ Name = 'My'; Layout = 'CertStoreMy' },
    @{ Name = 'Root'; Layout = 'CertStoreRoot' },
    @{ Name = 'CA'; Layout = 'CertStoreCA' },
    @{ Name = 'Operations Manager'; Layout = 'CertStoreOpsMgr' }
)

# Registry keys exported with reg export (bundle format version 1, registry members).
$script:RegistryExports = @(
    @{ Name = 'opsmgr'; Layout = 'RegOpsMgr'; Key = 'HKLM\SOFTWARE\Microsoft\Microsoft Operations Manager\3.0' },
    # DropKeysMatching: the Health Service's secure storage (SSDB: Run As account data,
    # encrypted) is removed from the export before zipping; the analyzer never needs it.
    @{ Name = 'healthservice'; Layout = 'RegHealthService'; Key = 'HKLM\SYSTEM\CurrentControlSet\Services\HealthService'; DropKeysMatching = '\\SSDB(\\|\])' },
    @{ Name = 'systemcertificates'; Layout = 'RegSystemCertificates'; Key = 'HKLM\SOFTWARE\Microsoft\SystemCertificates' },
    @{ Name = 'policy-systemcertificates'; Layout = 'RegPolicySystemCertificates'; Key = 'HKLM\SOFTWARE\Policies\Microsoft\SystemCertificates' },
    @{ Name = 'enterprise-certificates'; Layout = 'RegEnterpriseCertificates'; Key = 'HKLM\SOFTWARE\Microsoft\EnterpriseCertificates' },
    @{ Name = 'tcpip'; Layout = 'RegTcpip'; Key = 'HKLM\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters' }
)

# Event logs. Only the Operations Manager log is always collected.
$script:EventLogExports = @(
    @{ Log = 'Operations Manager'; Layout = 'EvtOpsMgr'; SystemLog = $false },
    @{ Log = 'System'; Layout = 'EvtSystem'; SystemLog = $true },
    @{ Log = 'Application'; Layout = 'EvtApplication'; SystemLog = $true },
    @{ Log = 'Microsoft-Windows-CAPI2/Operational'; Layout = 'EvtCapi2'; SystemLog = $true }
)

# Registry locations read for the manifest (paths below HKEY_LOCAL_MACHINE).
$script:OpsMgrKey = 'SOFTWARE\Microsoft\Microsoft Operations Manager\3.0'
$script:TcpipKey = 'SYSTEM\CurrentControlSet\Services\Tcpip\Parameters'

# Reads CERT_KEY_PROV_INFO_PROP_ID of a certificate context: where its private key lives
# (provider, provider type, flags, key spec). Metadata only: no key is opened or read.
$script:KeyProviderInfoSource = @'
using System;
using System.Runtime.InteropServices;

namespace ScomTriage.Collector
{
    public sealed class KeyProviderInfo
    {
        public string ContainerName;
        public string ProviderName;
        public uint ProviderType;
        public uint Flags;
        public uint KeySpec;

        [StructLayout(LayoutKind.Sequential)]
        private struct CRYPT_KEY_PROV_INFO
        {
            public IntPtr pwszContainerName;
            public IntPtr pwszProvName;
            public uint dwProvType;
            public uint dwFlags;
            public uint cProvParam;
            public IntPtr rgProvParam;
            public uint dwKeySpec;
        }

        [DllImport("crypt32.dll", SetLastError = true)]
        [return: MarshalAs(UnmanagedType.Bool)]
        private static extern bool CertGetCertificateContextProperty(
            IntPtr pCertContext, uint dwPropId, IntPtr pvData, ref uint pcbData);

        private const uint CERT_KEY_PROV_INFO_PROP_ID = 2;

        // Returns null when the certificate has no key-provider property.
        public static KeyProviderInfo Read(IntPtr certContext)
        {
            if (certContext == IntPtr.Zero)
            {
                return null;
            }
            uint size = 0;
            if (!CertGetCertificateContextProperty(certContext, CERT_KEY_PROV_INFO_PROP_ID, IntPtr.Zero, ref size) || size == 0)
            {
                return null;
            }
            IntPtr buffer = Marshal.AllocHGlobal((int)size);
            try
            {
                if (!CertGetCertificateContextProperty(certContext, CERT_KEY_PROV_INFO_PROP_ID, buffer, ref size))
                {
                    return null;
                }
                CRYPT_KEY_PROV_INFO raw = (CRYPT_KEY_PROV_INFO)Marshal.PtrToStructure(buffer, typeof(CRYPT_KEY_PROV_INFO));
                KeyProviderInfo info = new KeyProviderInfo();
                info.ContainerName = raw.pwszContainerName == IntPtr.Zero ? null : Marshal.PtrToStringUni(raw.pwszContainerName);
                info.ProviderName = raw.pwszProvName == IntPtr.Zero ? null : Marshal.PtrToStringUni(raw.pwszProvName);
                info.ProviderType = raw.dwProvType;
                info.Flags = raw.dwFlags;
                info.KeySpec = raw.dwKeySpec;
                return info;
            }
            finally
            {
                Marshal.FreeHGlobal(buffer);
            }
        }
    }
}
'@

# ------------------------------------------------------------------------------------------------
# State shared by the steps.
# ------------------------------------------------------------------------------------------------
$script:Utf8NoBom = New-Object System.Text.UTF8Encoding($false)
$script:Invariant = [System.Globalization.CultureInfo]::InvariantCulture
$script:BytesPerMB = 1048576
$script:WorkRoot = $null
$script:BundleRoot = $null
$script:ScratchDir = $null
$script:LogPath = $null
$script:PendingLog = New-Object 'System.Collections.Generic.List[string]'
$script:StepErrors = New-Object 'System.Collections.Generic.List[object]'
$script:Inventory = New-Object 'System.Collections.Generic.List[object]'
$script:Manifest = $null
$script:KeyProviderHelper = $false
$script:RegistryFqdn = $null
$script:ResolverFqdn = $null

# ------------------------------------------------------------------------------------------------
# Logging and step handling.
# ------------------------------------------------------------------------------------------------
function ConvertTo-Rfc3339 {
    param([Parameter(Mandatory = $true)][DateTime]$Time)
    return $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $script:Invariant)
}

function Write-Log {
    param(
        [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Message,
        [ValidateSet('INFO', 'OK', 'WARN', 'FAIL', 'SKIP')][string]$Level = 'INFO'
    )
    $stamp = [DateTime]::UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", $script:Invariant)
    $line = '{0} {1,-4} {2}' -f $stamp, $Level, $Message
    if ($null -ne $script:LogPath) {
        try {
            [System.IO.File]::AppendAllText($script:LogPath, $line + "`r`n", $script:Utf8NoBom)
        }
        catch {
            Write-Host ('(could not write collector.log: ' + $_.Exception.Message + ')') -ForegroundColor Yellow
        }
    }
    else {
        $script:PendingLog.Add($line)
    }
    $color = 'Gray'
    if ($Level -eq 'OK') { $color = 'Green' }
    elseif ($Level -eq 'WARN') { $color = 'Yellow' }
    elseif ($Level -eq 'FAIL') { $color = 'Red' }
    elseif ($Level -eq 'SKIP') { $color = 'DarkGray' }
    Write-Host $line -ForegroundColor $color
}

function Open-CollectorLog {
    $path = Get-BundlePath -Key 'CollectorLog'
    $header = 'scomtriage collector log ({0} {1}); times are UTC' -f $script:CollectorName, $script:CollectorVersion
    [System.IO.File]::WriteAllText($path, $header + "`r`n", $script:Utf8NoBom)
    $script:LogPath = $path
    foreach ($line in $script:PendingLog) {
        [System.IO.File]::AppendAllText($path, $line + "`r`n", $script:Utf8NoBom)
    }
    $script:PendingLog.Clear()
}

# The most specific message of an error record or exception, on one line. With -WithCode the
# HRESULT is appended (e.g. 0x80090016 for "Keyset does not exist"), when there is one.
function Get-ErrorText {
    param([Parameter(Mandatory = $true)]$ErrorObject, [switch]$WithCode)
    $exception = $null
    if ($ErrorObject -is [System.Management.Automation.ErrorRecord]) {
        $exception = $ErrorObject.Exception
    }
    elseif ($ErrorObject -is [System.Exception]) {
        $exception = $ErrorObject
    }
    if ($null -eq $exception) {
        return ([string]$ErrorObject).Trim()
    }
    while ($null -ne $exception.InnerException) {
        $exception = $exception.InnerException
    }
    $text = ([string]$exception.Message) -replace '\s*[\r\n]+\s*', ' '
    $text = $text.Trim()
    if ($WithCode) {
        try {
            $code = [int]$exception.HResult
            if ($code -ne 0 -and $code -ne -2146233088 -and $code -ne -2146233079) {
                # -2146233088 (0x80131500) and -2146233079 (0x80131509) are generic .NET codes.
                $text = '{0} (0x{1})' -f $text, $code.ToString('X8', $script:Invariant)
            }
        }
        catch {
            # HResult is not public before .NET 4.5: keep the message alone.
        }
    }
    return $text
}

function Add-StepError {
    param([Parameter(Mandatory = $true)][string]$Step, [Parameter(Mandatory = $true)][string]$Message)
    $entry = [ordered]@{
        step    = $Step
        message = $Message
    }
    $script:StepErrors.Add($entry)
    Write-Log -Level 'FAIL' -Message ('{0}: {1}' -f $Step, $Message)
}

# Runs one step in its own try/catch: a failure is logged and listed in manifest.json, and the
# caller goes on with the next step. Steps keep their results in script-scope state.
function Invoke-Step {
    param(
        [Parameter(Mandatory = $true)][string]$StepName,
        [Parameter(Mandatory = $true)][scriptblock]$StepAction
    )
    Write-Log -Message ('BEGIN ' + $StepName)
    $stepWatch = [System.Diagnostics.Stopwatch]::StartNew()
    try {
        $null = & $StepAction
        Write-Log -Level 'OK' -Message ('{0} ({1} ms)' -f $StepName, $stepWatch.ElapsedMilliseconds)
    }
    catch {
        Add-StepError -Step $StepName -Message (Get-ErrorText $_)
    }
}

# ------------------------------------------------------------------------------------------------
# Bundle paths: the only way to a file inside the bundle.
# ------------------------------------------------------------------------------------------------
function Get-BundleMemberName {
    param([Parameter(Mandatory = $true)][string]$Key, [string]$ChildName = '')
    if (-not $script:BundleLayout.Contains($Key)) {
        throw ('internal error: "{0}" is not in the bundle layout' -f $Key)
    }
    $name = [string]$script:BundleLayout[$Key]
    if ($ChildName.Length -gt 0) {
        if ($ChildName -match '[\\/:*?"<>|]' -or $ChildName -eq '.' -or $ChildName -eq '..') {
            throw ('internal error: "{0}" is not a plain file name' -f $ChildName)
        }
        $name = $name + '/' + $ChildName
    }
    return $name
}

function Get-BundlePath {
    param([Parameter(Mandatory = $true)][string]$Key, [string]$ChildName = '')
    $relative = Get-BundleMemberName -Key $Key -ChildName $ChildName
    $full = Join-Path $script:BundleRoot $relative.Replace('/', '\')
    [void][System.IO.Directory]::CreateDirectory([System.IO.Path]::GetDirectoryName($full))
    return $full
}

function Write-JsonFile {
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)]$InputObject)
    $json = ConvertTo-Json -InputObject $InputObject -Depth 6
    [System.IO.File]::WriteAllText($Path, $json, $script:Utf8NoBom)
}

# ------------------------------------------------------------------------------------------------
# Small helpers: registry (64-bit view), WMI, native commands.
# ------------------------------------------------------------------------------------------------
function Open-LocalMachineRegistry {
    $view = [Microsoft.Win32.RegistryView]::Default
    if ([Environment]::Is64BitOperatingSystem) {
        # SCOM is a 64-bit product: read its keys in the 64-bit view even from 32-bit PowerShell.
        $view = [Microsoft.Win32.RegistryView]::Registry64
    }
    return [Microsoft.Win32.RegistryKey]::OpenBaseKey([Microsoft.Win32.RegistryHive]::LocalMachine, $view)
}

function Test-RegistryKey {
    param([Parameter(Mandatory = $true)][string]$SubKey)
    $base = Open-LocalMachineRegistry
    try {
        $key = $base.OpenSubKey($SubKey)
        if ($null -eq $key) {
            return $false
        }
        $key.Close()
        return $true
    }
    finally {
        $base.Close()
    }
}

# Returns the value (REG_BINARY as one byte[]), or $null when the key or value is missing.
function Get-RegistryValue {
    param([Parameter(Mandatory = $true)][string]$SubKey, [Parameter(Mandatory = $true)][AllowEmptyString()][string]$Name)
    $base = Open-LocalMachineRegistry
    try {
        $key = $base.OpenSubKey($SubKey)
        if ($null -eq $key) {
            return $null
        }
        try {
            $value = $key.GetValue($Name)
            # The unary comma keeps a byte[] in one piece through the pipeline.
            return , $value
        }
        finally {
            $key.Close()
        }
    }
    finally {
        $base.Close()
    }
}

function ConvertTo-NullIfEmpty {
    param([AllowNull()]$Value)
    if ($null -eq $Value) {
        return $null
    }
    $text = ([string]$Value).Trim()
    if ($text.Length -eq 0) {
        return $null
    }
    return $text
}

function Get-WmiInstance {
    param([Parameter(Mandatory = $true)][string]$ClassName, [string]$Filter = '')
    if ($null -ne (Get-Command -Name 'Get-WmiObject' -ErrorAction SilentlyContinue)) {
        $wmiArguments = @{ Class = $ClassName }
        if ($Filter.Length -gt 0) { $wmiArguments['Filter'] = $Filter }
        return @(Get-WmiObject @wmiArguments)
    }
    $cimArguments = @{ ClassName = $ClassName }
    if ($Filter.Length -gt 0) { $cimArguments['Filter'] = $Filter }
    return @(Get-CimInstance @cimArguments)
}

function ConvertFrom-WmiDate {
    param([AllowNull()]$Value)
    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [DateTime]) {
        return $Value
    }
    $text = [string]$Value
    if ($text.Length -eq 0) {
        return $null
    }
    return [System.Management.ManagementDateTimeConverter]::ToDateTime($text)
}

# Full path of a Windows tool; from 32-bit PowerShell on 64-bit Windows, the 64-bit one.
function Get-SystemExecutable {
    param([Parameter(Mandatory = $true)][string]$Name)
    $directory = [Environment]::SystemDirectory
    if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
        $sysnative = Join-Path $env:SystemRoot 'Sysnative'
        if (Test-Path -LiteralPath (Join-Path $sysnative $Name)) {
            $directory = $sysnative
        }
    }
    $path = Join-Path $directory $Name
    if (Test-Path -LiteralPath $path) {
        return $path
    }
    return $Name
}

# Quotes one argument for a Windows command line (CommandLineToArgvW rules).
function ConvertTo-CommandLineArgument {
    param([Parameter(Mandatory = $true)][AllowEmptyString()][string]$Value)
    if ($Value.Length -gt 0 -and $Value -notmatch '[\s"]') {
        return $Value
    }
    $backslash = [char]92
    $quote = [char]34
    $builder = New-Object System.Text.StringBuilder
    [void]$builder.Append($quote)
    $pending = 0
    foreach ($character in $Value.ToCharArray()) {
        if ($character -eq $backslash) {
            $pending++
            continue
        }
        if ($character -eq $quote) {
            [void]$builder.Append($backslash, 2 * $pending + 1)
        }
        elseif ($pending -gt 0) {
            [void]$builder.Append($backslash, $pending)
        }
        [void]$builder.Append($character)
        $pending = 0
    }
    if ($pending -gt 0) {
        [void]$builder.Append($backslash, 2 * $pending)
    }
    [void]$builder.Append($quote)
    return $builder.ToString()
}

# Runs a console program without a shell; returns exit code, standard output and error text.
function Invoke-Native {
    param([Parameter(Mandatory = $true)][string]$FilePath, [Parameter(Mandatory = $true)][string[]]$ArgumentList)
    $quoted = New-Object 'System.Collections.Generic.List[string]'
    foreach ($argument in $ArgumentList) {
        $quoted.Add((ConvertTo-CommandLineArgument -Value $argument))
    }
    $encoding = $null
    try {
        $encoding = [Console]::OutputEncoding
    }
    catch {
        $encoding = $null
    }
    if ($null -eq $encoding) {
        $encoding = [System.Text.Encoding]::GetEncoding([System.Globalization.CultureInfo]::CurrentCulture.TextInfo.OEMCodePage)
    }
    $startInfo = New-Object System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = $FilePath
    $startInfo.Arguments = [string]::Join(' ', $quoted.ToArray())
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.StandardOutputEncoding = $encoding
    $startInfo.StandardErrorEncoding = $encoding
    if ($null -ne $script:ScratchDir) {
        $startInfo.WorkingDirectory = $script:ScratchDir
    }
    Write-Log -Message ('run: {0} {1}' -f $FilePath, $startInfo.Arguments)
    $process = [System.Diagnostics.Process]::Start($startInfo)
    try {
        $errorTask = $process.StandardError.ReadToEndAsync()
        $standardOutput = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        $standardError = $errorTask.Result
        return [pscustomobject]@{
            ExitCode = $process.ExitCode
            StdOut   = [string]$standardOutput
            StdErr   = [string]$standardError
        }
    }
    finally {
        $process.Dispose()
    }
}

function Get-NativeFailureText {
    param([Parameter(Mandatory = $true)]$Result)
    $text = ($Result.StdErr + ' ' + $Result.StdOut) -replace '\s*[\r\n]+\s*', ' '
    return ('exit code {0}: {1}' -f $Result.ExitCode, $text.Trim())
}

# ------------------------------------------------------------------------------------------------
# Output folder.
# ------------------------------------------------------------------------------------------------
function Resolve-OutputFolder {
    param([AllowEmptyString()][string]$Requested)
    $folder = $Requested
    if ([string]::IsNullOrWhiteSpace($folder)) {
        $folder = [Environment]::GetFolderPath('Desktop')
        if ([string]::IsNullOrWhiteSpace($folder) -or -not (Test-Path -LiteralPath $folder -PathType Container)) {
            $folder = (Get-Location -PSProvider FileSystem).ProviderPath
        }
    }
    $folder = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($folder)
    [void][System.IO.Directory]::CreateDirectory($folder)
    return $folder
}

# ------------------------------------------------------------------------------------------------
# Manifest facts.
# ------------------------------------------------------------------------------------------------
function New-Manifest {
    param([Parameter(Mandatory = $true)][DateTime]$CollectedAt)
    return [ordered]@{
        format         = 'scomtriage-bundle'
        format_version = 1
        collector      = [ordered]@{
            name    = $script:CollectorName
            version = $script:CollectorVersion
        }
        collected_at   = (ConvertTo-Rfc3339 -Time $CollectedAt)
        computer       = [ordered]@{
            netbios_name  = $null
            dns_hostname  = $null
            dns_domain    = $null
            fqdn          = $null
            domain_joined = $null
            workgroup     = $null
        }
        time_zone      = [ordered]@{
            id                 = $null
            utc_offset_minutes = $null
        }
        os             = [ordered]@{
            caption = $null
            version = $null
        }
        scom           = [ordered]@{
            role              = $null
            product           = $null
            version           = $null
            install_directory = $null
        }
        health_service = [ordered]@{
            status     = $null
            started_at = $null
        }
        errors         = @()
    }
}

function Write-EnvironmentFacts {
    $netRelease = Get-RegistryValue 'SOFTWARE\Microsoft\NET Framework Setup\NDP\v4\Full' 'Release'
    Write-Log ('collector {0} {1}; PowerShell {2}; CLR {3}; .NET Framework 4 release {4}' -f $script:CollectorName, $script:CollectorVersion, $PSVersionTable['PSVersion'], $PSVersionTable['CLRVersion'], $netRelease)
    Write-Log ('64-bit OS: {0}; 64-bit process: {1}; user: {2}; culture: {3}; UI culture: {4}' -f [Environment]::Is64BitOperatingSystem, [Environment]::Is64BitProcess, [System.Security.Principal.WindowsIdentity]::GetCurrent().Name, [System.Globalization.CultureInfo]::CurrentCulture.Name, [System.Globalization.CultureInfo]::CurrentUICulture.Name)
    Write-Log ('parameters: IncludeSystemLogs={0} MaxEventLogMB={1} Force={2} CaseId="{3}" ChainFile={4}' -f [bool]$IncludeSystemLogs, $MaxEventLogMB, [bool]$Force, $CaseId, @($ChainFile).Count)
}

function Read-RegistryComputerName {
    $computer = $script:Manifest.computer
    $computer.netbios_name = ConvertTo-NullIfEmpty $env:COMPUTERNAME
    $hostName = ConvertTo-NullIfEmpty (Get-RegistryValue $script:TcpipKey 'Hostname')
    $domain = ConvertTo-NullIfEmpty (Get-RegistryValue $script:TcpipKey 'Domain')
    $nvDomain = ConvertTo-NullIfEmpty (Get-RegistryValue $script:TcpipKey 'NV Domain')
    $computer.dns_hostname = $hostName
    $computer.dns_domain = $domain
    Write-Log ('NetBIOS name "{0}"; Tcpip\Parameters Hostname "{1}", Domain "{2}", NV Domain "{3}"' -f $computer.netbios_name, $hostName, $domain, $nvDomain)
    if ($null -ne $nvDomain -and $nvDomain -ne $domain) {
        Write-Log -Level 'WARN' -Message 'NV Domain differs from Domain: the primary DNS suffix was changed and takes effect after a restart'
    }
    if ($null -ne $hostName) {
        if ($null -ne $domain) {
            $script:RegistryFqdn = $hostName + '.' + $domain
        }
        else {
            $script:RegistryFqdn = $hostName
        }
    }
}

function Read-ResolverComputerName {
    $hostName = [System.Net.Dns]::GetHostName()
    $entry = [System.Net.Dns]::GetHostEntry($hostName)
    $script:ResolverFqdn = ConvertTo-NullIfEmpty $entry.HostName
    $addresses = @($entry.AddressList | ForEach-Object { $_.ToString() }) -join ', '
    Write-Log ('resolver: "{0}" resolves to "{1}" ({2})' -f $hostName, $script:ResolverFqdn, $addresses)
}

function Set-ManifestFqdn {
    # The FQDN as the resolver returns it for this machine; the registry's Hostname.Domain when
    # the resolver gave nothing. Both are in collector.log; tcpip.reg holds the registry values.
    $fqdn = $script:ResolverFqdn
    if ($null -eq $fqdn) {
        $fqdn = $script:RegistryFqdn
        Write-Log -Level 'WARN' -Message 'no FQDN from the resolver; using Hostname.Domain from the registry'
    }
    elseif ($null -ne $script:RegistryFqdn -and $fqdn -ne $script:RegistryFqdn) {
        Write-Log -Level 'WARN' -Message ('resolver FQDN "{0}" differs from the registry''s "{1}"' -f $fqdn, $script:RegistryFqdn)
    }
    $script:Manifest.computer.fqdn = $fqdn
}

function Read-DomainMembership {
    $system = @(Get-WmiInstance -ClassName 'Win32_ComputerSystem')
    if ($system.Count -eq 0) {
        throw 'Win32_ComputerSystem returned nothing'
    }
    $joined = [bool]$system[0].PartOfDomain
    $script:Manifest.computer.domain_joined = $joined
    if ($joined) {
        Write-Log ('domain member of "{0}"' -f $system[0].Domain)
    }
    else {
        $workgroup = ConvertTo-NullIfEmpty $system[0].Workgroup
        if ($null -eq $workgroup) {
            $workgroup = ConvertTo-NullIfEmpty $system[0].Domain
        }
        $script:Manifest.computer.workgroup = $workgroup
        Write-Log ('not a domain member; workgroup "{0}"' -f $workgroup)
    }
}

function Read-TimeZone {
    $zone = [System.TimeZoneInfo]::Local
    $offset = $zone.GetUtcOffset([DateTime]::UtcNow)
    $script:Manifest.time_zone.id = $zone.Id
    $script:Manifest.time_zone.utc_offset_minutes = [int]$offset.TotalMinutes
    Write-Log ('time zone "{0}", UTC offset now {1} minutes' -f $zone.Id, [int]$offset.TotalMinutes)
}

function Read-OperatingSystem {
    $system = @(Get-WmiInstance -ClassName 'Win32_OperatingSystem')
    if ($system.Count -eq 0) {
        throw 'Win32_OperatingSystem returned nothing'
    }
    $script:Manifest.os.caption = ConvertTo-NullIfEmpty $system[0].Caption
    $script:Manifest.os.version = ConvertTo-NullIfEmpty $system[0].Version
    $booted = ConvertFrom-WmiDate $system[0].LastBootUpTime
    $bootText = ''
    if ($null -ne $booted) {
        $bootText = ConvertTo-Rfc3339 -Time $booted
    }
    Write-Log ('OS "{0}" {1}; last boot {2}' -f $script:Manifest.os.caption, $script:Manifest.os.version, $bootText)
}

# SCOM role from HKLM\...\3.0\Setup, with the rules of the public SCOM Data Collector
# (General-Info): Product "Microsoft Monitoring Agent" is an agent; Product like
# "System Center Operations Manager*Server" is a server, a gateway when InstallDirectory
# contains "Gateway"; the key "Server Management Groups" marks a management server.
# The last fallbacks (Gateway folder without Product, "Agent Management Groups", Product
# containing "Agent") are inference, not from a source.
function Get-ScomRole {
    param(
        [AllowNull()][string]$Product,
        [AllowNull()][string]$InstallDirectory,
        [bool]$HasServerManagementGroups,
        [bool]$HasAgentManagementGroups
    )
    if ($Product -eq 'Microsoft Monitoring Agent') {
        return 'agent'
    }
    if ($Product -like 'System Center Operations Manager*Server') {
        if ($InstallDirectory -like '*Gateway*') {
            return 'gateway'
        }
        return 'management_server'
    }
    if ($InstallDirectory -like '*Gateway*') {
        return 'gateway'
    }
    if ($HasServerManagementGroups) {
        return 'management_server'
    }
    if ($HasAgentManagementGroups) {
        return 'agent'
    }
    if ($Product -like '*Agent*') {
        return 'agent'
    }
    return 'unknown'
}

function Read-ScomSetup {
    $setupKey = $script:OpsMgrKey + '\Setup'
    $scom = $script:Manifest.scom
    if (-not (Test-RegistryKey $setupKey)) {
        $scom.role = 'unknown'
        Write-Log -Level 'WARN' -Message ('HKLM\{0} not found: no SCOM agent, gateway or management server is installed' -f $setupKey)
        return
    }
    $names = @('Product', 'InstallDirectory', 'CurrentVersion', 'ServerVersion', 'AgentVersion', 'UIVersion', 'ManagementServerPort', 'InstalledOn')
    $values = @{}
    foreach ($name in $names) {
        $values[$name] = ConvertTo-NullIfEmpty (Get-RegistryValue $setupKey $name)
        Write-Log ('Setup\{0} = "{1}"' -f $name, $values[$name])
    }
    $hasServerGroups = Test-RegistryKey ($script:OpsMgrKey + '\Server Management Groups')
    $hasAgentGroups = Test-RegistryKey ($script:OpsMgrKey + '\Agent Management Groups')
    Write-Log ('"Server Management Groups" present: {0}; "Agent Management Groups" present: {1}' -f $hasServerGroups, $hasAgentGroups)
    $role = Get-ScomRole -Product $values['Product'] -InstallDirectory $values['InstallDirectory'] -HasServerManagementGroups $hasServerGroups -HasAgentManagementGroups $hasAgentGroups
    # AgentVersion / ServerVersion follow update rollups; CurrentVersion is the fallback.
    $candidates = @($values['ServerVersion'], $values['CurrentVersion'], $values['AgentVersion'])
    if ($role -eq 'agent') {
        $candidates = @($values['AgentVersion'], $values['CurrentVersion'], $values['ServerVersion'])
    }
    $version = $null
    foreach ($candidate in $candidates) {
        if ($null -eq $version -and $null -ne $candidate) {
            $version = $candidate
        }
    }
    $scom.role = $role
    $scom.product = $values['Product']
    $scom.version = $version
    $scom.install_directory = $values['InstallDirectory']
    Write-Log ('SCOM role "{0}", version "{1}"' -f $role, $version)
}

function Read-HealthService {
    $service = @(Get-WmiInstance -ClassName 'Win32_Service' -Filter "Name='HealthService'")
    if ($service.Count -eq 0) {
        Write-Log -Level 'WARN' -Message 'service HealthService (Microsoft Monitoring Agent) is not installed'
        return
    }
    $state = ConvertTo-NullIfEmpty $service[0].State
    $script:Manifest.health_service.status = $state
    Write-Log ('HealthService: state "{0}", start mode "{1}", account "{2}", process id {3}' -f $state, $service[0].StartMode, $service[0].StartName, $service[0].ProcessId)
    $processId = [int]$service[0].ProcessId
    if ($processId -le 0) {
        return
    }
    $process = @(Get-WmiInstance -ClassName 'Win32_Process' -Filter ('ProcessId={0}' -f $processId))
    if ($process.Count -eq 0) {
        throw ('process {0} of the Health Service was not found' -f $processId)
    }
    $created = ConvertFrom-WmiDate $process[0].CreationDate
    if ($null -ne $created) {
        $script:Manifest.health_service.started_at = ConvertTo-Rfc3339 -Time $created
        Write-Log ('HealthService process started {0}' -f $script:Manifest.health_service.started_at)
    }
}

# ------------------------------------------------------------------------------------------------
# Certificates and private-key facts.
# ------------------------------------------------------------------------------------------------
function Initialize-KeyProviderHelper {
    if ($null -eq ('ScomTriage.Collector.KeyProviderInfo' -as [type])) {
        Add-Type -TypeDefinition $script:KeyProviderInfoSource -Language CSharp
    }
    $script:KeyProviderHelper = $true
}

function Open-CertificateStore {
    param([Parameter(Mandatory = $true)][string]$StoreName)
    $store = New-Object System.Security.Cryptography.X509Certificates.X509Store($StoreName, [System.Security.Cryptography.X509Certificates.StoreLocation]::LocalMachine)
    # OpenExistingOnly: never create a store that is not there. IncludeArchived: renewed
    # certificates too (they are marked archived in the inventory).
    $flags = [System.Security.Cryptography.X509Certificates.OpenFlags]::ReadOnly -bor [System.Security.Cryptography.X509Certificates.OpenFlags]::OpenExistingOnly -bor [System.Security.Cryptography.X509Certificates.OpenFlags]::IncludeArchived
    try {
        $store.Open($flags)
    }
    catch {
        throw ('certificate store LocalMachine\{0} cannot be opened (not present on this machine?): {1}' -f $StoreName, (Get-ErrorText $_))
    }
    return $store
}

# Opens the private key through CNG (.NET Framework 4.6 and later). Returns the key object, or
# $null when the certificate's key algorithm is neither RSA nor ECDSA.
function Open-CngPrivateKey {
    param([Parameter(Mandatory = $true)][System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate)
    $rsaExtensions = 'System.Security.Cryptography.X509Certificates.RSACertificateExtensions' -as [type]
    if ($null -eq $rsaExtensions) {
        throw 'opening CNG keys needs .NET Framework 4.6 or later'
    }
    $key = $rsaExtensions::GetRSAPrivateKey($Certificate)
    if ($null -ne $key) {
        return $key
    }
    $ecdsaExtensions = 'System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions' -as [type]
    if ($null -ne $ecdsaExtensions) {
        $key = $ecdsaExtensions::GetECDsaPrivateKey($Certificate)
        if ($null -ne $key) {
            return $key
        }
    }
    return $null
}

# Fills provider facts from a CryptoAPI (CSP) key object, where not already known.
function Add-CspKeyFacts {
    param([Parameter(Mandatory = $true)]$Facts, [Parameter(Mandatory = $true)]$Key)
    $container = $Key.CspKeyContainerInfo
    if ($null -eq $Facts.provider_name) { $Facts.provider_name = [string]$container.ProviderName }
    if ($null -eq $Facts.provider_type) { $Facts.provider_type = [uint32]$container.ProviderType }
    if ($null -eq $Facts.key_spec) { $Facts.key_spec = [uint32][int]$container.KeyNumber }
    if ($null -eq $Facts.machine_keyset) { $Facts.machine_keyset = [bool]$container.MachineKeyStore }
    if ($null -eq $Facts.is_cng) { $Facts.is_cng = $false }
    $Facts.exportable = [bool]$container.Exportable
}

# Private-key facts of one certificate (inventory "private_key"). Never exports the key: it reads
# the key-provider property of the certificate, then opens the key once to see that it works.
function Get-PrivateKeyFacts {
    param([Parameter(Mandatory = $true)][System.Security.Cryptography.X509Certificates.X509Certificate2]$Certificate)
    $facts = [ordered]@{
        provider_name  = $null
        provider_type  = $null
        key_spec       = $null
        machine_keyset = $null
        exportable     = $null
        is_cng         = $null
        accessible     = $null
        access_error   = $null
    }
    $container = $null

    # 1. Where the key lives, from the certificate's CERT_KEY_PROV_INFO property (no key opened).
    $info = $null
    if ($script:KeyProviderHelper) {
        try {
            $info = [ScomTriage.Collector.KeyProviderInfo]::Read($Certificate.Handle)
        }
        catch {
            Write-Log -Level 'WARN' -Message ('key-provider property of {0} not read: {1}' -f $Certificate.Thumbprint, (Get-ErrorText $_))
        }
        if ($null -ne $info) {
            $container = $info.ContainerName
            $facts.provider_name = ConvertTo-NullIfEmpty $info.ProviderName
            $facts.provider_type = [uint32]$info.ProviderType
            $facts.key_spec = [uint32]$info.KeySpec
            # CRYPT_MACHINE_KEYSET = 0x20; provider type 0 = a CNG key storage provider.
            $facts.machine_keyset = (([uint32]$info.Flags -band 0x20) -ne 0)
            $facts.is_cng = ([uint32]$info.ProviderType -eq 0)
        }
    }

    # 2. Open the key: CryptoAPI first (what SCOM uses), then CNG.
    $opened = $false
    $problems = New-Object 'System.Collections.Generic.List[string]'
    if ($facts.is_cng -ne $true) {
        try {
            $cspKey = $Certificate.PrivateKey
            if ($null -ne $cspKey) {
                $opened = $true
                if ($cspKey -is [System.Security.Cryptography.ICspAsymmetricAlgorithm]) {
                    Add-CspKeyFacts -Facts $facts -Key $cspKey
                }
            }
            else {
                $problems.Add('CryptoAPI: no key returned')
            }
        }
        catch {
            $problems.Add('CryptoAPI: ' + (Get-ErrorText $_ -WithCode))
        }
    }
    if (-not $opened) {
        try {
            $cngKey = Open-CngPrivateKey -Certificate $Certificate
            if ($null -ne $cngKey) {
                $opened = $true
                try {
                    if ($null -ne $cngKey.PSObject.Properties['Key'] -and $cngKey.Key -is [System.Security.Cryptography.CngKey]) {
                        $handle = $cngKey.Key
                        if ($null -eq $facts.provider_name) { $facts.provider_name = [string]$handle.Provider.Provider }
                        if ($null -eq $facts.machine_keyset) { $facts.machine_keyset = [bool]$handle.IsMachineKey }
                        if ($null -eq $facts.is_cng) {
                            # Only CNG could open it: inferred, the key-provider property was unavailable.
                            $facts.is_cng = $true
                            $facts.provider_type = [uint32]0
                        }
                        # AllowExport = 1, AllowPlaintextExport = 2 (CngExportPolicies).
                        $facts.exportable = (([int]$handle.ExportPolicy -band 3) -ne 0)
                    }
                    elseif ($cngKey -is [System.Security.Cryptography.ICspAsymmetricAlgorithm]) {
                        Add-CspKeyFacts -Facts $facts -Key $cngKey
                    }
                }
                finally {
                    $cngKey.Dispose()
                }
            }
            else {
                $problems.Add('CNG: the key algorithm is neither RSA nor ECDSA')
            }
        }
        catch {
            $problems.Add('CNG: ' + (Get-ErrorText $_ -WithCode))
        }
    }
    $facts.accessible = $opened
    if (-not $opened -and $problems.Count -gt 0) {
        $facts.access_error = [string]::Join('; ', $problems.ToArray())
    }
    return [pscustomobject]@{
        Facts     = $facts
        Container = $container
    }
}

function Export-StoreCertificates {
    param([Parameter(Mandatory = $true)][string]$StoreName, [Parameter(Mandatory = $true)][string]$LayoutKey)
    $store = Open-CertificateStore -StoreName $StoreName
    try {
        $seen = @{}
        $written = 0
        foreach ($certificate in $store.Certificates) {
            $thumbprint = ([string]$certificate.Thumbprint).ToUpperInvariant()
            if ($seen.ContainsKey($thumbprint)) {
                continue
            }
            $seen[$thumbprint] = $true
            $fileName = $thumbprint + '.cer'
            try {
                # RawData is the DER certificate only; it never contains a private key.
                [System.IO.File]::WriteAllBytes((Get-BundlePath -Key $LayoutKey -ChildName $fileName), $certificate.RawData)
                $written++
                $entry = [ordered]@{
                    store           = 'LocalMachine\' + $StoreName
                    file            = Get-BundleMemberName -Key $LayoutKey -ChildName $fileName
                    thumbprint      = $thumbprint
                    serial_number   = ([string]$certificate.SerialNumber).ToUpperInvariant()
                    friendly_name   = ConvertTo-NullIfEmpty $certificate.FriendlyName
                    archived        = [bool]$certificate.Archived
                    has_private_key = [bool]$certificate.HasPrivateKey
                    private_key     = $null
                }
                $keyText = 'no private key'
                if ($certificate.HasPrivateKey) {
                    $keyText = 'private key facts not read'
                    try {
                        $keyResult = Get-PrivateKeyFacts -Certificate $certificate
                        $entry.private_key = $keyResult.Facts
                        $facts = $keyResult.Facts
                        $keyText = 'key: provider "{0}" type {1} keyspec {2} machine {3} cng {4} exportable {5} container "{6}" accessible {7} {8}' -f $facts.provider_name, $facts.provider_type, $facts.key_spec, $facts.machine_keyset, $facts.is_cng, $facts.exportable, $keyResult.Container, $facts.accessible, $facts.access_error
                    }
                    catch {
                        Add-StepError -Step ('read private key facts of LocalMachine\{0}\{1}' -f $StoreName, $thumbprint) -Message (Get-ErrorText $_)
                    }
                }
                $script:Inventory.Add($entry)
                Write-Log ('LocalMachine\{0}\{1} serial {2}, subject "{3}", not after {4}, archived {5}; {6}' -f $StoreName, $thumbprint, $entry.serial_number, $certificate.Subject, (ConvertTo-Rfc3339 -Time $certificate.NotAfter), $entry.archived, $keyText)
            }
            catch {
                Add-StepError -Step ('export certificate LocalMachine\{0}\{1}' -f $StoreName, $thumbprint) -Message (Get-ErrorText $_)
            }
        }
        Write-Log ('LocalMachine\{0}: {1} certificate(s) written' -f $StoreName, $written)
    }
    finally {
        $store.Close()
    }
}

function Write-Inventory {
    $document = [ordered]@{
        certificates = @($script:Inventory.ToArray())
    }
    Write-JsonFile -Path (Get-BundlePath -Key 'Inventory') -InputObject $document
    Write-Log ('inventory: {0} certificate(s)' -f $script:Inventory.Count)
}

# The chain this machine builds (machine context, as the Health Service runs as LocalSystem) for
# each certificate in LocalMachine\My that has a private key: one PKCS#7 file of certificates.
function Export-CertificateChains {
    $store = Open-CertificateStore -StoreName 'My'
    try {
        foreach ($certificate in $store.Certificates) {
            if (-not $certificate.HasPrivateKey) {
                continue
            }
            $thumbprint = ([string]$certificate.Thumbprint).ToUpperInvariant()
            try {
                $chain = New-Object System.Security.Cryptography.X509Certificates.X509Chain($true)
                $chain.ChainPolicy.RevocationMode = [System.Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
                $chain.ChainPolicy.UrlRetrievalTimeout = [TimeSpan]::FromSeconds(5)
                $valid = $chain.Build($certificate)
                $status = @($chain.ChainStatus | ForEach-Object { [string]$_.Status }) -join ', '
                $bag = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection
                $names = New-Object 'System.Collections.Generic.List[string]'
                foreach ($element in $chain.ChainElements) {
                    [void]$bag.Add($element.Certificate)
                    $names.Add($element.Certificate.Subject)
                }
                # PKCS#7 holds certificates only.
                $bytes = $bag.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pkcs7)
                [System.IO.File]::WriteAllBytes((Get-BundlePath -Key 'Chains' -ChildName ($thumbprint + '.p7b')), $bytes)
                Write-Log ('chain of {0}: valid {1}; status "{2}"; {3}' -f $thumbprint, $valid, $status, [string]::Join(' <- ', $names.ToArray()))
                $chain.Reset()
            }
            catch {
                Add-StepError -Step ('build chain of LocalMachine\My\{0}' -f $thumbprint) -Message (Get-ErrorText $_)
            }
        }
    }
    finally {
        $store.Close()
    }
}

# A chain file the customer received from the CA (-ChainFile). Accepted only when Windows
# recognises it as PKCS#7 or a single certificate; it is re-written as PKCS#7 of certificates
# only, so nothing else from the file can reach the bundle.
function Add-CustomerChainFile {
    param([Parameter(Mandatory = $true)][string]$Path)
    $fullPath = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
    if (-not (Test-Path -LiteralPath $fullPath -PathType Leaf)) {
        throw ('file not found: {0}' -f $fullPath)
    }
    $contentType = [System.Security.Cryptography.X509Certificates.X509Certificate2]::GetCertContentType($fullPath)
    $accepted = @([System.Security.Cryptography.X509Certificates.X509ContentType]::Pkcs7, [System.Security.Cryptography.X509Certificates.X509ContentType]::Cert)
    if ($accepted -notcontains $contentType) {
        throw ('{0} is not a certificate chain file (.p7b) or certificate; Windows sees it as "{1}". It was not added.' -f $fullPath, $contentType)
    }
    $bag = New-Object System.Security.Cryptography.X509Certificates.X509Certificate2Collection
    $bag.Import($fullPath)
    $bytes = $bag.Export([System.Security.Cryptography.X509Certificates.X509ContentType]::Pkcs7)
    $baseName = [System.IO.Path]::GetFileNameWithoutExtension($fullPath) -replace '[^A-Za-z0-9._-]', '_'
    $fileName = 'customer-' + $baseName + '.p7b'
    [System.IO.File]::WriteAllBytes((Get-BundlePath -Key 'Chains' -ChildName $fileName), $bytes)
    Write-Log ('added {0} ({1} certificate(s)) as {2}' -f $fullPath, $bag.Count, (Get-BundleMemberName -Key 'Chains' -ChildName $fileName))
}

# For people reading collector.log: which certificate SCOM is configured to use, and whether it
# is in LocalMachine\My. The serial in the registry is byte-reversed; compared over its full length.
function Read-RegisteredCertificate {
    $machineSettings = $script:OpsMgrKey + '\Machine Settings'
    $serialBytes = Get-RegistryValue $machineSettings 'ChannelCertificateSerialNumber'
    $hash = ConvertTo-NullIfEmpty (Get-RegistryValue $machineSettings 'ChannelCertificateHash')
    $serial = $null
    if ($serialBytes -is [byte[]]) {
        $reversed = [byte[]]$serialBytes.Clone()
        [Array]::Reverse($reversed)
        $serial = [System.BitConverter]::ToString($reversed).Replace('-', '')
    }
    if ($null -eq $serial -and $null -eq $hash) {
        Write-Log -Level 'WARN' -Message 'Machine Settings has neither ChannelCertificateSerialNumber nor ChannelCertificateHash: no certificate is configured for SCOM'
        return
    }
    Write-Log ('Machine Settings: ChannelCertificateSerialNumber (reversed) "{0}", ChannelCertificateHash "{1}"' -f $serial, $hash)
    $store = Open-CertificateStore -StoreName 'My'
    try {
        $bySerial = @()
        $byHash = @()
        foreach ($certificate in $store.Certificates) {
            if ($null -ne $serial -and ([string]$certificate.SerialNumber).TrimStart('0') -eq $serial.TrimStart('0')) {
                $bySerial += $certificate.Thumbprint
            }
            if ($null -ne $hash -and [string]::Equals([string]$certificate.Thumbprint, $hash, [System.StringComparison]::OrdinalIgnoreCase)) {
                $byHash += $certificate.Thumbprint
            }
        }
        Write-Log ('LocalMachine\My certificates matching the registered serial: [{0}]; matching the registered hash: [{1}]' -f ($bySerial -join ', '), ($byHash -join ', '))
    }
    finally {
        $store.Close()
    }
}

# ------------------------------------------------------------------------------------------------
# Registry, event logs, commands.
# ------------------------------------------------------------------------------------------------
# Removes from a reg export file every key section whose [key] line matches $KeyPattern (and
# the values under it). The file stays UTF-16LE with a byte-order mark and CRLF line ends, as
# reg export writes it. Returns the number of key sections removed.
function Remove-RegistryExportSections {
    param([Parameter(Mandatory = $true)][string]$Path, [Parameter(Mandatory = $true)][string]$KeyPattern)
    $text = [System.IO.File]::ReadAllText($Path, [System.Text.Encoding]::Unicode)
    $kept = New-Object 'System.Collections.Generic.List[string]'
    $dropping = $false
    $dropped = 0
    foreach ($line in ($text -split "`r`n")) {
        if ($line.StartsWith('[')) {
            $dropping = ($line -match $KeyPattern)
            if ($dropping) {
                $dropped++
            }
        }
        if (-not $dropping) {
            $kept.Add($line)
        }
    }
    if ($dropped -gt 0) {
        [System.IO.File]::WriteAllText($Path, ($kept -join "`r`n"), (New-Object System.Text.UnicodeEncoding($false, $true)))
    }
    return $dropped
}

function Export-RegistryKey {
    param([Parameter(Mandatory = $true)][string]$Key, [Parameter(Mandatory = $true)][string]$LayoutKey, [string]$DropKeysMatching)
    if (-not (Test-RegistryKey $Key.Substring(5))) {
        throw ('registry key not present on this machine: {0}' -f $Key)
    }
    $target = Get-BundlePath -Key $LayoutKey
    $result = Invoke-Native -FilePath (Get-SystemExecutable 'reg.exe') -ArgumentList @('export', $Key, $target, '/y')
    if ($result.ExitCode -ne 0) {
        throw ('reg export failed, {0}' -f (Get-NativeFailureText $result))
    }
    if ($DropKeysMatching) {
        $dropped = Remove-RegistryExportSections -Path $target -KeyPattern $DropKeysMatching
        Write-Log ('removed {0} key section(s) matching {1} from {2} (secure storage is never collected)' -f $dropped, $DropKeysMatching, (Get-BundleMemberName -Key $LayoutKey))
    }
    Write-Log ('wrote {0} ({1:N0} bytes)' -f (Get-BundleMemberName -Key $LayoutKey), (New-Object System.IO.FileInfo($target)).Length)
}

function Export-EventLogFile {
    param([Parameter(Mandatory = $true)][string]$LogName, [Parameter(Mandatory = $true)][string]$LayoutKey)
    $logInfo = Get-WinEvent -ListLog $LogName
    # FileSize and RecordCount are added by Get-WinEvent; read them defensively (StrictMode).
    $sizeBytes = [long]0
    $sizeProperty = $logInfo.PSObject.Properties['FileSize']
    if ($null -ne $sizeProperty -and $null -ne $sizeProperty.Value) {
        $sizeBytes = [long]$sizeProperty.Value
    }
    else {
        $logFile = [Environment]::ExpandEnvironmentVariables([string]$logInfo.LogFilePath)
        if ($logFile.Length -gt 0 -and (Test-Path -LiteralPath $logFile -PathType Leaf)) {
            $sizeBytes = [long](New-Object System.IO.FileInfo($logFile)).Length
        }
    }
    $records = ''
    $recordProperty = $logInfo.PSObject.Properties['RecordCount']
    if ($null -ne $recordProperty) {
        $records = [string]$recordProperty.Value
    }
    $limitBytes = [long]$MaxEventLogMB * $script:BytesPerMB
    Write-Log ('event log "{0}": {1:N1} MB on disk, {2} record(s), enabled {3}' -f $LogName, ($sizeBytes / $script:BytesPerMB), $records, $logInfo.IsEnabled)
    if ($sizeBytes -gt $limitBytes) {
        if (-not $Force) {
            throw ('not exported: the log is {0:N0} MB, more than -MaxEventLogMB {1}. Run again with -Force (or a larger -MaxEventLogMB) to include it.' -f ($sizeBytes / $script:BytesPerMB), $MaxEventLogMB)
        }
        Write-Log -Level 'WARN' -Message ('the log is larger than -MaxEventLogMB {0}; exported anyway because of -Force' -f $MaxEventLogMB)
    }
    $target = Get-BundlePath -Key $LayoutKey
    $scratchFile = Join-Path $script:ScratchDir ([System.IO.Path]::GetFileName($target))
    $wevtutil = Get-SystemExecutable 'wevtutil.exe'
    $result = Invoke-Native -FilePath $wevtutil -ArgumentList @('epl', $LogName, $scratchFile, '/ow:true')
    if ($result.ExitCode -ne 0) {
        throw ('wevtutil epl failed, {0}' -f (Get-NativeFailureText $result))
    }
    # Locale metadata (message texts of the providers) lands in LocaleMetaData beside the file.
    $metadataProblem = $null
    $result = Invoke-Native -FilePath $wevtutil -ArgumentList @('al', $scratchFile)
    if ($result.ExitCode -ne 0) {
        $metadataProblem = 'wevtutil al failed, ' + (Get-NativeFailureText $result)
    }
    if ([System.Globalization.CultureInfo]::CurrentUICulture.Name -ne 'en-US') {
        # English texts as well, when the language pack has them; a failure here is only logged.
        $result = Invoke-Native -FilePath $wevtutil -ArgumentList @('al', $scratchFile, '/l:en-US')
        if ($result.ExitCode -ne 0) {
            Write-Log -Level 'WARN' -Message ('English locale metadata not added: {0}' -f (Get-NativeFailureText $result))
        }
    }
    if (Test-Path -LiteralPath $target) {
        [System.IO.File]::Delete($target)
    }
    [System.IO.File]::Move($scratchFile, $target)
    Write-Log ('wrote {0} ({1:N0} bytes)' -f (Get-BundleMemberName -Key $LayoutKey), (New-Object System.IO.FileInfo($target)).Length)
    $metadataFolder = Join-Path $script:ScratchDir 'LocaleMetaData'
    $moved = 0
    if (Test-Path -LiteralPath $metadataFolder -PathType Container) {
        foreach ($file in @(Get-ChildItem -LiteralPath $metadataFolder -Filter '*.MTA' -File)) {
            $destination = Get-BundlePath -Key 'LocaleMetaData' -ChildName $file.Name
            if (Test-Path -LiteralPath $destination) {
                [System.IO.File]::Delete($destination)
            }
            [System.IO.File]::Move($file.FullName, $destination)
            Write-Log ('wrote {0}' -f (Get-BundleMemberName -Key 'LocaleMetaData' -ChildName $file.Name))
            $moved++
        }
    }
    if ($null -ne $metadataProblem) {
        throw ('the log was exported, but without its locale metadata: ' + $metadataProblem)
    }
    if ($moved -eq 0) {
        Write-Log -Level 'WARN' -Message 'wevtutil al produced no .MTA file'
    }
}

function Save-CertutilStoreMy {
    $result = Invoke-Native -FilePath (Get-SystemExecutable 'certutil.exe') -ArgumentList @('-v', '-store', 'my')
    $text = $result.StdOut
    if ($result.StdErr.Trim().Length -gt 0) {
        $text = $text + "`r`n--- standard error ---`r`n" + $result.StdErr
    }
    $target = Get-BundlePath -Key 'CertutilStoreMy'
    [System.IO.File]::WriteAllText($target, $text, $script:Utf8NoBom)
    if ($result.ExitCode -ne 0) {
        throw ('certutil failed, exit code {0} (its output is in the file)' -f $result.ExitCode)
    }
    Write-Log ('wrote {0} ({1:N0} characters)' -f (Get-BundleMemberName -Key 'CertutilStoreMy'), $text.Length)
}

function Write-Manifest {
    $script:Manifest.errors = @($script:StepErrors.ToArray())
    Write-JsonFile -Path (Get-BundlePath -Key 'Manifest') -InputObject $script:Manifest
    Write-Log ('manifest: {0} error(s) recorded' -f $script:StepErrors.Count)
}

# ------------------------------------------------------------------------------------------------
# Zip: entry by entry, so that names use '/' on every .NET version.
# ------------------------------------------------------------------------------------------------
function New-BundleZip {
    param([Parameter(Mandatory = $true)][string]$SourceDir, [Parameter(Mandatory = $true)][string]$ZipPath)
    try {
        Add-Type -AssemblyName 'System.IO.Compression'
    }
    catch {
        # Partial-name lookup can fail on older PowerShell; the full name is in the GAC (.NET 4.5+).
        [void][System.Reflection.Assembly]::Load('System.IO.Compression, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089')
    }
    $root = [System.IO.Path]::GetFullPath($SourceDir).TrimEnd('\') + '\'
    $files = @([System.IO.Directory]::GetFiles($root, '*', [System.IO.SearchOption]::AllDirectories) | Sort-Object)
    $stream = New-Object System.IO.FileStream($ZipPath, [System.IO.FileMode]::CreateNew, [System.IO.FileAccess]::ReadWrite, [System.IO.FileShare]::None)
    try {
        $archive = New-Object System.IO.Compression.ZipArchive($stream, [System.IO.Compression.ZipArchiveMode]::Create, $true)
        try {
            foreach ($file in $files) {
                if (-not $file.StartsWith($root, [System.StringComparison]::OrdinalIgnoreCase)) {
                    throw ('internal error: {0} is not below {1}' -f $file, $root)
                }
                # Entry names always use '/', whatever the .NET version would do on its own.
                $entryName = $file.Substring($root.Length).Replace('\', '/')
                $entry = $archive.CreateEntry($entryName, [System.IO.Compression.CompressionLevel]::Optimal)
                $source = [System.IO.File]::OpenRead($file)
                try {
                    $target = $entry.Open()
                    try {
                        $source.CopyTo($target)
                    }
                    finally {
                        $target.Dispose()
                    }
                }
                finally {
                    $source.Dispose()
                }
            }
        }
        finally {
            $archive.Dispose()
        }
    }
    finally {
        $stream.Dispose()
    }
    return $files.Count
}

# ------------------------------------------------------------------------------------------------
# Main.
# ------------------------------------------------------------------------------------------------
$exitCode = 0
$keepWorkRoot = $false
$zipPath = $null
try {
    $outputFolder = Resolve-OutputFolder -Requested $OutputPath
    $stamp = [DateTime]::UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", $script:Invariant)
    $nameParts = New-Object 'System.Collections.Generic.List[string]'
    $nameParts.Add('ScomCertBundle')
    $safeCaseId = ($CaseId.Trim() -replace '[^A-Za-z0-9._-]', '_')
    if ($safeCaseId.Length -gt 0) {
        $nameParts.Add($safeCaseId)
    }
    $nameParts.Add(($env:COMPUTERNAME -replace '[^A-Za-z0-9._-]', '_'))
    $nameParts.Add($stamp)
    $zipPath = Join-Path $outputFolder ([string]::Join('_', $nameParts.ToArray()) + '.zip')

    $script:WorkRoot = Join-Path ([System.IO.Path]::GetTempPath()) ('ScomCertBundle_' + [guid]::NewGuid().ToString('N'))
    $script:BundleRoot = Join-Path $script:WorkRoot 'bundle'
    $script:ScratchDir = Join-Path $script:WorkRoot 'scratch'
    [void][System.IO.Directory]::CreateDirectory($script:BundleRoot)
    [void][System.IO.Directory]::CreateDirectory($script:ScratchDir)
    Open-CollectorLog
    $script:Manifest = New-Manifest -CollectedAt ([DateTime]::UtcNow)
    Write-Log ('collection started on {0}; zip will be {1}' -f $env:COMPUTERNAME, $zipPath)

    Invoke-Step 'environment' { Write-EnvironmentFacts }
    Invoke-Step 'load key-provider helper' { Initialize-KeyProviderHelper }

    # manifest.json facts
    Invoke-Step 'computer name from the registry (Tcpip\Parameters)' { Read-RegistryComputerName }
    Invoke-Step 'computer name from the DNS resolver' { Read-ResolverComputerName }
    Invoke-Step 'computer FQDN' { Set-ManifestFqdn }
    Invoke-Step 'domain membership (Win32_ComputerSystem)' { Read-DomainMembership }
    Invoke-Step 'time zone' { Read-TimeZone }
    Invoke-Step 'operating system (Win32_OperatingSystem)' { Read-OperatingSystem }
    Invoke-Step 'SCOM role and version (3.0\Setup)' { Read-ScomSetup }
    Invoke-Step 'Health Service status (Win32_Service)' { Read-HealthService }

    # certificates
    foreach ($storeSpec in $script:CertificateStores) {
        Invoke-Step ('export certificates LocalMachine\' + $storeSpec.Name) { Export-StoreCertificates -StoreName $storeSpec.Name -LayoutKey $storeSpec.Layout }
    }
    Invoke-Step 'write certificate inventory' { Write-Inventory }
    Invoke-Step 'build certificate chains (LocalMachine\My)' { Export-CertificateChains }
    foreach ($chainPath in @($ChainFile)) {
        Invoke-Step ('add chain file ' + $chainPath) { Add-CustomerChainFile -Path $chainPath }
    }
    Invoke-Step 'registered SCOM certificate (Machine Settings)' { Read-RegisteredCertificate }

    # registry
    foreach ($registrySpec in $script:RegistryExports) {
        Invoke-Step ('export registry ' + $registrySpec.Name) { Export-RegistryKey -Key $registrySpec.Key -LayoutKey $registrySpec.Layout -DropKeysMatching $registrySpec['DropKeysMatching'] }
    }

    # event logs
    foreach ($logSpec in $script:EventLogExports) {
        if ($logSpec.SystemLog -and -not $IncludeSystemLogs) {
            Write-Log -Level 'SKIP' -Message ('event log "{0}" not collected (add -IncludeSystemLogs to include it)' -f $logSpec.Log)
            continue
        }
        Invoke-Step ('export event log ' + $logSpec.Log) { Export-EventLogFile -LogName $logSpec.Log -LayoutKey $logSpec.Layout }
    }

    # commands
    Invoke-Step 'certutil -v -store my' { Save-CertutilStoreMy }

    Invoke-Step 'write manifest' { Write-Manifest }
    Write-Log ('collection finished; {0} step error(s); creating the zip' -f $script:StepErrors.Count)

    try {
        $entryCount = New-BundleZip -SourceDir $script:BundleRoot -ZipPath $zipPath
        $size = (New-Object System.IO.FileInfo($zipPath)).Length
        Write-Host ''
        Write-Host 'Bundle created:' -ForegroundColor Green
        Write-Host ('  {0}' -f $zipPath)
        Write-Host ('  {0:N0} bytes ({1:N1} MB), {2} files' -f $size, ($size / $script:BytesPerMB), $entryCount)
        if ($script:StepErrors.Count -gt 0) {
            Write-Host ('  {0} step(s) reported a problem; they are listed in manifest.json and collector.log inside the zip.' -f $script:StepErrors.Count) -ForegroundColor Yellow
        }
        Write-Host 'Send this file to your support engineer. It contains no private keys.'
    }
    catch {
        $exitCode = 1
        $keepWorkRoot = $true
        Write-Host ''
        Write-Host ('The zip could not be created: {0}' -f (Get-ErrorText $_)) -ForegroundColor Red
        if (Test-Path -LiteralPath $zipPath) {
            Remove-Item -LiteralPath $zipPath -Force -ErrorAction SilentlyContinue
        }
        Write-Host 'The collected files are kept in this folder; zip it with any tool and send the zip:'
        Write-Host ('  {0}' -f $script:BundleRoot)
    }
}
catch {
    $exitCode = 1
    Write-Host ('The collector stopped: {0}' -f (Get-ErrorText $_)) -ForegroundColor Red
    if ($null -ne $script:BundleRoot -and (Test-Path -LiteralPath $script:BundleRoot)) {
        $keepWorkRoot = $true
        Write-Host 'What was collected so far is kept in this folder:'
        Write-Host ('  {0}' -f $script:BundleRoot)
    }
}
finally {
    if (-not $keepWorkRoot -and $null -ne $script:WorkRoot -and (Test-Path -LiteralPath $script:WorkRoot)) {
        Remove-Item -LiteralPath $script:WorkRoot -Recurse -Force -ErrorAction SilentlyContinue
    }
}
exit $exitCode

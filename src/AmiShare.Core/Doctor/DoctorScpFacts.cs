using AmiShare.Core.Ports;

namespace AmiShare.Core.Doctor;

/// <summary>
/// The SCPs over the two accounts a share involves, as Organizations reported them (management account or delegated
/// administrator credentials only). Null parts were not readable; the service-control-policy rule then stays silent
/// rather than report a guess, since most callers may not read SCPs at all.
/// </summary>
/// <param name="SharerArn">The principal that shares (doctor's source caller), when it owns the image; null otherwise.</param>
/// <param name="Sharer">The SCPs over the image owner's account.</param>
/// <param name="Launcher">The SCPs over the target account, which limit the launching principal.</param>
public sealed record DoctorScpFacts(string? SharerArn, AccountServiceControlPolicies? Sharer, AccountServiceControlPolicies? Launcher);

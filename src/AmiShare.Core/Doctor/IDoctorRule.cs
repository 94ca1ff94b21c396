namespace AmiShare.Core.Doctor;

/// <summary>
/// One check of <c>amishare doctor</c>: a pure function of the facts prepared once in <see cref="DoctorScope"/>. A rule
/// reports each thing a launch needs as a <see cref="Requirement"/> that holds, fails with its fix, or is unknown
/// with the access that would settle it; it yields nothing where it does not apply (no <c>--copy</c>, say).
/// </summary>
internal interface IDoctorRule
{
    /// <summary>The stable id every requirement of this rule carries: one of <see cref="DoctorRuleIds"/>.</summary>
    string Id { get; }

    IEnumerable<Requirement> Evaluate(DoctorScope scope);
}

using AmiShare.Core.Model;
using AmiShare.Core.Ports;

namespace AmiShare.Core.Tests;

public sealed class CloudStateNamesTests
{
    [Theory]
    [InlineData("available", Ec2ImageState.Available, ImageAvailability.Available)]
    [InlineData("pending", Ec2ImageState.Pending, ImageAvailability.Pending)]
    [InlineData("disabled", Ec2ImageState.Disabled, ImageAvailability.Disabled)]
    [InlineData("deregistered", Ec2ImageState.Deregistered, ImageAvailability.Deregistered)]
    [InlineData("invalid", Ec2ImageState.Invalid, ImageAvailability.Failed)]
    [InlineData("something-new", Ec2ImageState.Unknown, ImageAvailability.Failed)]
    public void ParseImageState_WireName_TypedStateAndAvailability(string name, Ec2ImageState state, ImageAvailability availability)
    {
        var parsed = CloudStateNames.ParseImageState(name);

        Assert.Equal((state, availability), (parsed, parsed.ToAvailability()));
    }

    [Theory]
    [InlineData("shutting-down", Ec2InstanceState.ShuttingDown)]
    [InlineData("running", Ec2InstanceState.Running)]
    [InlineData("terminated", Ec2InstanceState.Terminated)]
    public void ParseInstanceState_WireName_RoundTripsToTheSameName(string name, Ec2InstanceState state)
    {
        Assert.Equal(state, CloudStateNames.ParseInstanceState(name));
        Assert.Equal(name, state.ToAwsName());
    }

    [Theory]
    [InlineData("allowed", SimulationDecision.Allowed)]
    [InlineData("explicitDeny", SimulationDecision.ExplicitDeny)]
    [InlineData("implicitDeny", SimulationDecision.ImplicitDeny)]
    [InlineData(null, SimulationDecision.ImplicitDeny)]
    [InlineData("maybe", SimulationDecision.ImplicitDeny)]
    public void ParseDecision_AnythingButAllowed_IsNotAllowed(string? name, SimulationDecision decision)
    {
        var parsed = CloudStateNames.ParseDecision(name);

        Assert.Equal(decision, parsed);
        Assert.Equal(name == "allowed", new SimulatedDecision("kms:Decrypt", parsed, []).IsAllowed);
    }

    [Fact]
    public void ParseSnapshotState_Completed_PrintsAsAwsDoes()
    {
        Assert.Equal("completed", CloudStateNames.ParseSnapshotState("completed").ToAwsName());
        Assert.Equal(Ec2SnapshotState.Unknown, CloudStateNames.ParseSnapshotState(null));
    }
}

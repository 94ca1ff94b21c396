namespace AmiShare.LocalCloud.Protocol;

/// <summary>
/// One service LocalCloud serves (EC2, KMS, ...): it builds its collaborators once per cloud and contributes
/// its operation tables (one per resource, usually). A new service is a folder <c>Services/&lt;Service&gt;/</c>
/// holding a module, its tables and its errors, plus one line in <see cref="Services.BuiltInServices.Modules"/>;
/// no other service's code changes. A service whose protocol shape is new brings its own descriptor on its tables.
/// </summary>
public interface IServiceModule
{
    IEnumerable<IServiceOperations> CreateTables(LocalCloudContext cloud);
}

using UnrealBuildTool;

public class NpcBridge : ModuleRules
{
	public NpcBridge(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;
		CppStandard = CppStandardVersion.Cpp17;
		PublicDependencyModuleNames.AddRange(new[] { "Core", "CoreUObject", "Engine", "DeveloperSettings" });
		PrivateDependencyModuleNames.AddRange(new[] { "NpcBridgeClient", "ImageWrapper", "Projects" });
	}
}

using UnrealBuildTool;

public class NpcBridgeEditor : ModuleRules
{
	public NpcBridgeEditor(ReadOnlyTargetRules Target) : base(Target)
	{
		PCHUsage = PCHUsageMode.UseExplicitOrSharedPCHs;
		PrivateDependencyModuleNames.AddRange(new[] { "Core", "CoreUObject", "Engine", "UnrealEd", "ToolMenus", "Slate", "SlateCore", "NpcBridge", "NpcBridgeClient" });
	}
}

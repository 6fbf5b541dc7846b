// The native NPC Bridge client (native_client/), prebuilt per platform: its
// public headers include neither gRPC nor protobuf, so only this library and
// its headers enter the Unreal build.
using System.IO;
using UnrealBuildTool;

public class NpcBridgeClient : ModuleRules
{
	public NpcBridgeClient(ReadOnlyTargetRules Target) : base(Target)
	{
		Type = ModuleType.External;
		PublicSystemIncludePaths.Add(Path.Combine(ModuleDirectory, "include"));

		string LibDir = Path.Combine(ModuleDirectory, "lib", Target.Platform.ToString());
		if (Target.Platform == UnrealTargetPlatform.Win64)
		{
			PublicAdditionalLibraries.Add(Path.Combine(LibDir, "npcbridge.lib"));
			PublicDelayLoadDLLs.Add("npcbridge.dll");
			RuntimeDependencies.Add("$(BinaryOutputDir)/npcbridge.dll", Path.Combine(LibDir, "npcbridge.dll"));
		}
		else if (Target.Platform == UnrealTargetPlatform.Linux)
		{
			string So = Path.Combine(LibDir, "libnpcbridge.so");
			PublicAdditionalLibraries.Add(So);
			RuntimeDependencies.Add("$(BinaryOutputDir)/libnpcbridge.so.1", Path.Combine(LibDir, "libnpcbridge.so.1"));
		}
		else if (Target.Platform == UnrealTargetPlatform.Mac)
		{
			string Dylib = Path.Combine(LibDir, "libnpcbridge.dylib");
			PublicAdditionalLibraries.Add(Dylib);
			RuntimeDependencies.Add("$(BinaryOutputDir)/libnpcbridge.dylib", Dylib);
		}
		else if (Target.Platform == UnrealTargetPlatform.Android)
		{
			PublicAdditionalLibraries.Add(Path.Combine(LibDir, "arm64-v8a", "libnpcbridge.so"));
		}
	}
}

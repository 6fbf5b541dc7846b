using UnityEngine;

namespace NpcBridge
{
    /// <summary>Applies a generated avatar: blend-shape weights by name to a SkinnedMeshRenderer,
    /// colours to material properties, and the portrait PNG to a Texture2D.</summary>
    [AddComponentMenu("NPC Bridge/NPC Avatar")]
    public sealed class NpcAvatar : MonoBehaviour
    {
        public SkinnedMeshRenderer face;
        [Tooltip("Material colour property per spec colour key (skin, hair, eyes).")]
        public string skinColorProperty = "_SkinColor", hairColorProperty = "_HairColor", eyeColorProperty = "_EyeColor";
        public Texture2D Portrait { get; private set; }

        public void Apply(Avatar avatar)
        {
            if (face != null && avatar.Spec != null)
            {
                var mesh = face.sharedMesh;
                foreach (var pair in avatar.Spec.MorphTargets)
                {
                    var index = mesh.GetBlendShapeIndex(pair.Key);
                    if (index >= 0) face.SetBlendShapeWeight(index, pair.Value * 100f);  // Unity weights are 0..100
                }
                SetColor(avatar, "skin", skinColorProperty);
                SetColor(avatar, "hair", hairColorProperty);
                SetColor(avatar, "eyes", eyeColorProperty);
            }
            if (avatar.Png.Length > 0)  // empty when the avatar came without its portrait
            {
                if (Portrait == null) Portrait = new Texture2D(2, 2);
                Portrait.LoadImage(avatar.Png);
            }
        }

        void SetColor(Avatar avatar, string key, string property)
        {
            string hex;
            Color color;
            if (avatar.Spec.Colors != null && avatar.Spec.Colors.TryGetValue(key, out hex) &&
                ColorUtility.TryParseHtmlString(hex, out color) && face.material.HasProperty(property))
            {
                face.material.SetColor(property, color);
            }
        }
    }
}

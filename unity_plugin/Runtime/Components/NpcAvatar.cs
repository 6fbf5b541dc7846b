using System.Collections.Generic;
using UnityEngine;

namespace NpcBridge
{
    /// <summary>Applies a generated avatar: blend-shape weights by name to a SkinnedMeshRenderer,
    /// colours to material properties, and the portrait PNG to a Texture2D. With
    /// <see cref="Expressions"/> set (from <c>ListExpressionsAsync</c>), <see cref="ShowEmotion"/> moves
    /// the face to the emotion a reply streams: wire <c>NpcCharacter.onEmotion</c> to it.</summary>
    [AddComponentMenu("NPC Bridge/NPC Avatar")]
    public sealed class NpcAvatar : MonoBehaviour
    {
        public SkinnedMeshRenderer face;
        [Tooltip("Material colour property per spec colour key (skin, hair, eyes).")]
        public string skinColorProperty = "_SkinColor", hairColorProperty = "_HairColor", eyeColorProperty = "_EyeColor";
        public Texture2D Portrait { get; private set; }
        public FaceExpressions Expressions { get; set; }
        Dictionary<string, float> faceTargets = new Dictionary<string, float>();

        public void Apply(Avatar avatar)
        {
            if (face != null && avatar.Spec != null)
            {
                faceTargets = new Dictionary<string, float>(avatar.Spec.MorphTargets);
                SetWeights(faceTargets);
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

        /// <summary>Blend the face toward <paramref name="emotion"/>'s expression (neutral when unknown).</summary>
        public void ShowEmotion(Emotion emotion)
        {
            if (face == null || Expressions == null || emotion == null) return;
            SetWeights(Expressions.WeightsFor(faceTargets, emotion.Label, emotion.Intensity));
        }

        void SetWeights(Dictionary<string, float> weights)
        {
            var mesh = face.sharedMesh;
            foreach (var pair in weights)
            {
                var index = mesh.GetBlendShapeIndex(pair.Key);
                if (index >= 0) face.SetBlendShapeWeight(index, pair.Value * 100f);  // Unity weights are 0..100
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

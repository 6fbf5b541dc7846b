using System;
using System.Collections.Generic;

namespace NpcBridge
{
    /// <summary>
    /// Blend-shape weights for a face showing an emotion: the avatar's own morph targets (its face
    /// shape, from <c>AvatarSpec.MorphTargets</c>) with the expression's ARKit weights (from
    /// <c>ListAttributes</c>) blended over them by the emotion's intensity. Every weight any
    /// expression drives is set on each call, so switching from "angry" to "happy" also releases
    /// the brows that anger lowered. Engine-independent: <c>NpcAvatar</c> applies the result.
    /// </summary>
    public sealed class FaceExpressions
    {
        readonly Dictionary<string, Dictionary<string, float>> byName =
            new Dictionary<string, Dictionary<string, float>>(StringComparer.OrdinalIgnoreCase);
        readonly HashSet<string> driven = new HashSet<string>();

        public FaceExpressions(IEnumerable<Expression> expressions)
        {
            foreach (var e in expressions)
            {
                byName[e.Name] = e.MorphTargets ?? new Dictionary<string, float>();
                foreach (var key in byName[e.Name].Keys) driven.Add(key);
            }
        }

        /// <summary>The expressions the host's avatar model renders (empty for a neutral-only model).</summary>
        public ICollection<string> Names { get { return byName.Keys; } }

        /// <summary>
        /// Weights (0..1) for <paramref name="emotion"/> at <paramref name="intensity"/> (0..1) over the
        /// avatar's <paramref name="face"/> targets. An unknown emotion (a character's own label) shows
        /// the neutral face; the result holds every face target and every driven one.
        /// </summary>
        public Dictionary<string, float> WeightsFor(IDictionary<string, float> face, string emotion, float intensity)
        {
            var t = Math.Max(0f, Math.Min(1f, intensity));
            var weights = new Dictionary<string, float>();
            if (face != null) foreach (var pair in face) weights[pair.Key] = pair.Value;
            Dictionary<string, float> target;
            byName.TryGetValue(emotion ?? "", out target);
            foreach (var key in driven)
            {
                float rest, goal;
                if (!weights.TryGetValue(key, out rest)) rest = 0f;
                if (target == null || !target.TryGetValue(key, out goal)) goal = rest;  // not this expression's
                weights[key] = rest + (goal - rest) * t;
            }
            return weights;
        }
    }
}

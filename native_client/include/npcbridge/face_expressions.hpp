// Blend-shape weights for a face showing an emotion: the avatar's own morph targets (its
// face shape, AvatarSpec.morph_targets) with the expression's ARKit weights (from
// ListAttributes) blended over them by the emotion's intensity. Engine plugins apply the
// result to a rig as the emotion labels of a reply stream in (Unity has the C# twin).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "npcbridge/contract.hpp"
#include "npcbridge/types.hpp"

namespace npcbridge {

/// Weights (0..1) for `emotion` (case-insensitive; unknown shows the neutral face) at
/// `intensity` (clamped to 0..1). Every weight any expression drives is in the result, so
/// moving from "angry" to "happy" also releases the brows anger lowered.
NPCB_API std::map<std::string, float> FaceWeights(const std::map<std::string, float>& face,
                                                 const std::vector<Expression>& expressions,
                                                 const std::string& emotion, float intensity);

}  // namespace npcbridge

// FaceWeights: the expression blended over the avatar's own face by intensity, other
// expressions' weights released, unknown emotions neutral.
#include <gtest/gtest.h>

#include "npcbridge/face_expressions.hpp"

using namespace npcbridge;

namespace {

std::vector<Expression> Expressions() {
  return {{"neutral", {}}, {"angry", {{"browDownLeft", 0.8f}}}, {"happy", {{"mouthSmileLeft", 1.0f}}}};
}

}  // namespace

TEST(FaceExpressions, BlendsTheExpressionOverTheFaceByIntensity) {
  const std::map<std::string, float> face = {{"mouthSmileLeft", 0.2f}, {"faceWidth", 0.6f}};
  auto half = FaceWeights(face, Expressions(), "Happy", 0.5f);
  EXPECT_FLOAT_EQ(half["mouthSmileLeft"], 0.6f);
  EXPECT_FLOAT_EQ(half["browDownLeft"], 0.0f);  // released: not this expression's
  EXPECT_FLOAT_EQ(half["faceWidth"], 0.6f);     // the face's shape stays
  EXPECT_FLOAT_EQ(FaceWeights(face, Expressions(), "angry", 3.0f)["browDownLeft"], 0.8f);  // clamped
}

TEST(FaceExpressions, AnUnknownEmotionShowsTheNeutralFace) {
  const std::map<std::string, float> face = {{"mouthSmileLeft", 0.2f}};
  auto w = FaceWeights(face, Expressions(), "smug", 1.0f);
  EXPECT_FLOAT_EQ(w["mouthSmileLeft"], 0.2f);
  EXPECT_FLOAT_EQ(w["browDownLeft"], 0.0f);
  EXPECT_EQ(FaceWeights(face, {}, "happy", 1.0f), face);  // a neutral-only model drives nothing
}

#include "npcbridge/face_expressions.hpp"

#include <algorithm>
#include <cctype>
#include <set>

namespace npcbridge {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

std::map<std::string, float> FaceWeights(const std::map<std::string, float>& face,
                                         const std::vector<Expression>& expressions, const std::string& emotion,
                                         float intensity) {
  const float t = std::max(0.0f, std::min(1.0f, intensity));
  std::map<std::string, float> weights = face;
  const Expression* target = nullptr;
  std::set<std::string> driven;
  for (const auto& e : expressions) {
    if (Lower(e.name) == Lower(emotion)) target = &e;
    for (const auto& pair : e.morph_targets) driven.insert(pair.first);
  }
  for (const auto& key : driven) {
    const auto rest_it = weights.find(key);
    const float rest = rest_it == weights.end() ? 0.0f : rest_it->second;
    float goal = rest;  // weights this expression does not name stay at the face's own
    if (target != nullptr) {
      const auto it = target->morph_targets.find(key);
      if (it != target->morph_targets.end()) goal = it->second;
    }
    weights[key] = rest + (goal - rest) * t;
  }
  return weights;
}

}  // namespace npcbridge

#include "lumen/explainer_info.hpp"

#include <utility>

#include "lumen/cam.hpp"

namespace lumen {

namespace {

ExplainerInfo family_info(Family family, unsigned requirements, std::string name,
                          std::string summary, std::string citation,
                          std::vector<ParamSpec> params) {
  ExplainerInfo i;
  i.name = std::move(name);
  i.family = family;
  i.summary = std::move(summary);
  i.citation = std::move(citation);
  i.requirements = requirements;
  i.params = std::move(params);
  return i;
}

}  // namespace

ExplainerInfo gradient_info(std::string name, std::string summary, std::string citation,
                            std::vector<ParamSpec> params) {
  return family_info(Family::gradient, requires_gradients, std::move(name), std::move(summary),
                     std::move(citation), std::move(params));
}

ExplainerInfo propagation_info(std::string name, std::string summary, std::string citation,
                               std::vector<ParamSpec> params) {
  return family_info(Family::propagation, requires_layer_access, std::move(name),
                     std::move(summary), std::move(citation), std::move(params));
}

ExplainerInfo perturbation_info(std::string name, std::string summary, std::string citation,
                                std::vector<ParamSpec> params) {
  return family_info(Family::perturbation, requires_nothing, std::move(name), std::move(summary),
                     std::move(citation), std::move(params));
}

ExplainerInfo cam_info(std::string name, std::string summary, std::string citation,
                       std::vector<ParamSpec> params) {
  ExplainerInfo i = family_info(Family::cam, requires_layer_access, std::move(name),
                                std::move(summary), std::move(citation), std::move(params));
  i.output = OutputSpace::layer;
  i.layer_use = LayerUse::required;
  return i;
}

}  // namespace lumen

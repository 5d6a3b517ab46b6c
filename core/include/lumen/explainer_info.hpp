#pragma once
/// Starting points for an explainer's info(): the method's name, summary, citation and parameters
/// with what every method of its family declares. A method then changes what differs from them
/// (e.g. `requirements |= requires_layer_access`, `signed_output = false`, `stochastic = true`).
/// The CAM family's is cam_info (lumen/cam.hpp). Thread-safe (pure functions).
#include <string>
#include <vector>

#include "lumen/explainer.hpp"
#include "lumen/export.hpp"
#include "lumen/params.hpp"

namespace lumen {

/// Family gradient: requires_gradients, an input-space map.
LUMEN_API ExplainerInfo gradient_info(std::string name, std::string summary, std::string citation,
                                      std::vector<ParamSpec> params = {});
/// Family propagation: requires_layer_access (a rule at every layer), an input-space map.
LUMEN_API ExplainerInfo propagation_info(std::string name, std::string summary,
                                         std::string citation, std::vector<ParamSpec> params = {});
/// Family perturbation: requires nothing (the model's outputs only), an input-space map.
LUMEN_API ExplainerInfo perturbation_info(std::string name, std::string summary,
                                          std::string citation, std::vector<ParamSpec> params = {});

}  // namespace lumen

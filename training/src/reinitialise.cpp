#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "lumen/error.hpp"
#include "lumen/training/architectures.hpp"
#include "lumen/training/backprop.hpp"

namespace lumen::training {

Model reinitialised(const Model& model, std::uint64_t seed) {
  const Graph& g = model.graph();
  std::vector<Tensor> parameters = model_parameters(model);
  const std::vector<NodeId> owners = parameter_owners(model);
  std::mt19937_64 rng(seed);
  // Uniform in [0, 1) from the top 53 bits, so the values are the same on every platform.
  const auto uniform = [&] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  for (std::size_t k = 0; k < parameters.size(); ++k) {
    const Node& node = g.node(owners[k]);
    const std::string op = node.layer->op_type();
    Tensor& p = parameters[k];
    const bool first_of_node = k == 0 || owners[k - 1] != owners[k];
    if (op == "Conv" || op == "Gemm") {
      if (!first_of_node) {  // the bias
        std::fill(p.values().begin(), p.values().end(), 0.0F);
        continue;
      }
      const auto fan_in = p.size() / p.dim(0);
      const double limit = std::sqrt(6.0 / static_cast<double>(fan_in));
      for (float& v : p.values()) v = static_cast<float>(limit * (2.0 * uniform() - 1.0));
    } else if (op == "BatchNormalization") {
      std::fill(p.values().begin(), p.values().end(), first_of_node ? 1.0F : 0.0F);  // scale, shift
    } else {
      throw InvalidArgument("reinitialised: node '" + node.name + "' (" + op +
                            ") has parameters lumen cannot re-initialise; only Conv, Gemm and "
                            "BatchNormalization can be");
    }
  }
  return with_parameters(model, std::move(parameters));
}

}  // namespace lumen::training

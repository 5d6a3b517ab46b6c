// Breaks the output contract: declares an input-space map but sums it over the channels,
// [N,1,H,W]; Explainer::explain refuses the result.
#include <lumen/plugin.hpp>

#include "fixture_explainer.hpp"

namespace {

class WrongShape final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    return fixture::complete_info("fixture-wrong-shape");
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Tensor gradient = fixture::input_gradient(request, context);
    const auto n = gradient.dim(0), c = gradient.dim(1), plane = gradient.dim(2) * gradient.dim(3);
    lumen::Attribution a;
    a.map = lumen::Tensor({n, 1, gradient.dim(2), gradient.dim(3)});
    for (std::int64_t s = 0; s < n; ++s) {
      for (std::int64_t k = 0; k < c; ++k) {
        for (std::int64_t p = 0; p < plane; ++p)
          a.map[s * plane + p] += gradient[(s * c + k) * plane + p];
      }
    }
    return a;
  }
};

void fill(lumen::Registrar& r) { r.add_explainer(std::make_shared<WrongShape>()); }

}  // namespace

LUMEN_PLUGIN("fixture-wrong-shape", "1.0", fill)

// Relevance rules for max-pooling layers (op "MaxPool"):
//  - "winner-take-all": each window's relevance goes to its maximum (the layer's own backward,
//    the recorded arg-max; summed where windows overlap). The engine does the same at max-pool
//    layers no rule handles.
//  - "proportional": each window's relevance is split over the window's input values in
//    proportion to their positive parts, R_i = sum_{o : i in o} R_o x+_i / sum_{k in o} x+_k
//    (sum-pooling's LRP-0 on x+), padding excluded, summed where windows overlap. A window with no
//    positive value splits its relevance evenly over its inputs. Both keep each window's total.
#include <lumen/error.hpp>
#include <lumen/layer.hpp>
#include <lumen/layer_config.hpp>
#include <lumen/plugin.hpp>
#include <lumen/registry.hpp>
#include <lumen/rule.hpp>

namespace {

using lumen::Tensor;

bool is_max_pool(const lumen::Layer& layer) { return layer.op_type() == "MaxPool"; }

class WinnerTakeAllRule final : public lumen::Rule {
 public:
  std::string name() const override { return "winner-take-all"; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override { return is_max_pool(layer); }

  std::vector<Tensor> propagate(const lumen::RuleInput& in) const override {
    return in.node.layer->backward(in.inputs, in.output, in.state, in.upstream, in.backend);
  }
};

class ProportionalRule final : public lumen::Rule {
 public:
  std::string name() const override { return "proportional"; }
  lumen::Signal signal() const override { return lumen::Signal::relevance; }
  bool applies_to(const lumen::Layer& layer) const override { return is_max_pool(layer); }

  std::vector<Tensor> propagate(const lumen::RuleInput& in) const override {
    const Tensor& x = *in.inputs[0];
    if (x.rank() != 4 || in.output.rank() != 4) {
      throw lumen::ShapeError("rule proportional: node '" + in.node.name +
                              "' is not a 2-D pooling of [N,C,H,W] (input " +
                              lumen::to_string(x.shape()) + ")");
    }
    const std::int64_t h = x.dim(2);
    const std::int64_t w = x.dim(3);
    const std::int64_t oh = in.output.dim(2);
    const std::int64_t ow = in.output.dim(3);
    const auto found = lumen::pool2d_windows(*in.node.layer, h, w);
    if (!found) {
      throw lumen::ShapeError("rule proportional: node '" + in.node.name + "' (" +
                              in.node.layer->op_type() + ") is not a core 2-D pooling layer");
    }
    const auto& windows = *found;
    Tensor r(x.shape());
    for (std::int64_t plane = 0; plane < x.dim(0) * x.dim(1); ++plane) {
      const float* a = x.data() + plane * h * w;
      const float* up = in.upstream.data() + plane * oh * ow;
      float* out = r.data() + plane * h * w;
      for (std::int64_t i = 0; i < oh; ++i) {
        const auto& rows = windows.rows[static_cast<std::size_t>(i)];
        for (std::int64_t j = 0; j < ow; ++j) {
          const auto& cols = windows.cols[static_cast<std::size_t>(j)];
          float total = 0.0F;
          for (auto y : rows) {
            for (auto c : cols) total += std::max(a[y * w + c], 0.0F);
          }
          const float relevance = up[i * ow + j];
          const auto count = static_cast<float>(rows.size() * cols.size());
          for (auto y : rows) {
            for (auto c : cols) {
              const float share =
                  total > 0.0F ? std::max(a[y * w + c], 0.0F) / total : 1.0F / count;
              out[y * w + c] += relevance * share;
            }
          }
        }
      }
    }
    return {std::move(r)};
  }
};

template <class R>
lumen::RuleInfo info(std::string name, std::string summary) {
  lumen::RuleInfo i;
  i.name = std::move(name);
  i.summary = std::move(summary);
  i.signal = lumen::Signal::relevance;
  i.make = [](const lumen::Params&) -> std::shared_ptr<const lumen::Rule> {
    return std::make_shared<R>();
  };
  return i;
}

void fill(lumen::Registrar& registrar) {
  registrar.add_rule(info<WinnerTakeAllRule>(
      "winner-take-all", "max-pooling: each window's relevance goes to its maximum"));
  registrar.add_rule(info<ProportionalRule>(
      "proportional",
      "max-pooling: each window's relevance is split in proportion to its positive input values"));
}

}  // namespace

LUMEN_PLUGIN("max-pool", "0.1.0", fill)

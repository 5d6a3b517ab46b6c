#include "pool_upsampling_rule.hpp"

#include <lumen/error.hpp>
#include <lumen/layer.hpp>
#include <lumen/layer_config.hpp>

namespace lumen::cnn_lrp {

namespace {

class PoolUpsamplingRule final : public Rule {
 public:
  explicit PoolUpsamplingRule(Upsampling mode) : mode_(mode) {}
  std::string name() const override {
    return mode_ == Upsampling::copy ? "cnn-lrp-upsample-copy" : "cnn-lrp-upsample-split";
  }
  Signal signal() const override { return Signal::relevance; }
  bool applies_to(const Layer& layer) const override { return layer.op_type() == "MaxPool"; }

  std::vector<Tensor> propagate(const RuleInput& in) const override {
    const Tensor& x = *in.inputs[0];
    if (x.rank() != 4 || in.output.rank() != 4) {
      throw ShapeError("cnn-lrp: max-pooling node '" + in.node.name +
                       "' is not a 2-D pooling of [N,C,H,W] (input " + to_string(x.shape()) + ")");
    }
    const std::int64_t h = x.dim(2);
    const std::int64_t w = x.dim(3);
    const std::int64_t oh = in.output.dim(2);
    const std::int64_t ow = in.output.dim(3);
    const auto found = pool2d_windows(*in.node.layer, h, w);
    if (!found) {
      throw ShapeError("cnn-lrp: node '" + in.node.name + "' (" + in.node.layer->op_type() +
                       ") is not a core 2-D pooling layer");
    }
    const auto& windows = *found;
    Tensor r(x.shape());
    for (std::int64_t plane = 0; plane < x.dim(0) * x.dim(1); ++plane) {
      const float* up = in.upstream.data() + plane * oh * ow;
      float* out = r.data() + plane * h * w;
      for (std::int64_t i = 0; i < oh; ++i) {
        const auto& rows = windows.rows[static_cast<std::size_t>(i)];
        for (std::int64_t j = 0; j < ow; ++j) {
          const auto& cols = windows.cols[static_cast<std::size_t>(j)];
          float value = up[i * ow + j];
          if (mode_ == Upsampling::split) value /= static_cast<float>(rows.size() * cols.size());
          for (auto y : rows) {
            for (auto c : cols) out[y * w + c] += value;
          }
        }
      }
    }
    return {std::move(r)};
  }

 private:
  Upsampling mode_;
};

}  // namespace

std::shared_ptr<const Rule> make_pool_upsampling_rule(Upsampling mode) {
  return std::make_shared<PoolUpsamplingRule>(mode);
}

}  // namespace lumen::cnn_lrp

#include "layers/common.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"

namespace lumen {
namespace {

using layers::at;
using layers::label;

std::string perm_to_string(const std::vector<std::int64_t>& perm) { return to_string(Shape(perm)); }

// y = x with its axes reordered: y.shape[i] = x.shape[perm[i]].
Tensor permuted(const Tensor& x, const std::vector<std::int64_t>& perm) {
  const auto& in = x.shape();
  const auto rank = perm.size();
  std::vector<std::int64_t> in_strides(rank, 1);
  for (auto a = rank - 1; a-- > 0;) in_strides[a] = in_strides[a + 1] * in[a + 1];
  Shape out(rank);
  std::vector<std::int64_t> strides(rank);  // input stride of each output axis
  for (std::size_t i = 0; i < rank; ++i) {
    out[i] = in[at(perm[i])];
    strides[i] = in_strides[at(perm[i])];
  }
  Tensor y(out);
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t offset = 0;
  for (std::int64_t o = 0; o < y.size(); ++o) {
    y[o] = x[offset];
    for (auto a = rank; a-- > 0;) {
      offset += strides[a];
      if (++index[a] < out[a]) break;
      offset -= strides[a] * out[a];
      index[a] = 0;
    }
  }
  return y;
}

class Transpose final : public Layer {
 public:
  explicit Transpose(std::vector<std::int64_t> perm) : perm_(std::move(perm)) {
    std::vector<bool> seen(perm_.size(), false);
    for (auto p : perm_) {
      if (p < 0 || p >= static_cast<std::int64_t>(perm_.size()) || seen[at(p)]) {
        throw InvalidArgument("Transpose: perm " + perm_to_string(perm_) +
                              " is not a permutation of the axes 0.." +
                              std::to_string(static_cast<std::int64_t>(perm_.size()) - 1));
      }
      seen[at(p)] = true;
    }
    if (perm_.empty() || perm_[0] != 0) {
      throw InvalidArgument("Transpose: perm " + perm_to_string(perm_) +
                            " must start with 0; lumen keeps the batch as the outermost axis, and "
                            "moving it would mix the samples of a batch");
    }
    inverse_.resize(perm_.size());
    for (std::size_t i = 0; i < perm_.size(); ++i)
      inverse_[at(perm_[i])] = static_cast<std::int64_t>(i);
  }

  std::string op_type() const override { return "Transpose"; }
  LayerKind kind() const override { return LayerKind::structural; }
  std::string describe() const override { return "perm " + perm_to_string(perm_); }

  Shape output_shape(std::span<const Shape> inputs) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& in = inputs[0];
    layers::require_rank(*this, in, perm_.size());
    Shape out(in.size());
    for (std::size_t i = 0; i < perm_.size(); ++i) out[i] = in[at(perm_[i])];
    return out;
  }

  Tensor forward(TensorRefs inputs, const Backend&, std::unique_ptr<LayerState>*) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    output_shape(std::span<const Shape>(&inputs[0]->shape(), 1));
    return permuted(*inputs[0], perm_);
  }

  std::vector<Tensor> backward(TensorRefs inputs, const Tensor&, const LayerState*,
                               const Tensor& grad_output, const Backend&) const override {
    layers::require_input_count(*this, inputs.size(), 1);
    const Shape& input = inputs[0]->shape();
    layers::require_output_gradient(*this, input, grad_output);
    return layers::single(permuted(grad_output, inverse_));
  }

 private:
  std::vector<std::int64_t> perm_;
  std::vector<std::int64_t> inverse_;
};

}  // namespace

std::shared_ptr<const Layer> make_transpose(std::vector<std::int64_t> perm) {
  return std::make_shared<const Transpose>(std::move(perm));
}

}  // namespace lumen

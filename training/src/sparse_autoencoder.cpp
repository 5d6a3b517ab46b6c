#include "lumen/training/sparse_autoencoder.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <tuple>

#include "fit.hpp"
#include "lumen/error.hpp"
#include "lumen/layers.hpp"
#include "lumen/training/architectures.hpp"

namespace lumen::training {
namespace {

// Stage 1's model: flatten - "encoder" - sigmoid "code" - "decoder" [- sigmoid] "reconstruction"
// (the sigmoid only when `sigmoid_decoder`), with the encoder of `classifier` (the same
// initialisation as the final model's).
Model autoencoder(const Model& classifier, std::uint64_t seed, bool sigmoid_decoder) {
  const Graph& c = classifier.graph();
  const auto& spec = classifier.input_spec();
  Graph g;
  const NodeId input = g.add_input("input", spec.sample_shape);
  const NodeId flat = g.add_node("flatten", "flatten", make_flatten(1), {input});
  const NodeId encoder = g.add_node("encoder", "encoder", c.node(c.at("encoder")).layer, {flat});
  const NodeId code = g.add_node("code", "code", make_sigmoid(), {encoder});
  const auto pixels = element_count(spec.sample_shape);
  const auto hidden = g.node(code).output_shape[1];
  // Glorot-uniform decoder weights [pixels, hidden] (architectures.hpp's convention): the encoder
  // of a sparse-autoencoder architecture on `hidden` inputs with `pixels` code units.
  const ArchitectureOptions decoder_options{{1, 1, hidden}, 2, {}, seed + 1, pixels, {}, {}};
  const Model decoder_source = build_architecture("sparse-autoencoder", decoder_options);
  const Graph& d = decoder_source.graph();
  const auto decoder_layer = d.node(d.at("encoder")).layer;
  const NodeId out = sigmoid_decoder
                         ? g.add_node("reconstruction", "reconstruction", make_sigmoid(),
                                      {g.add_node("decoder", "decoder", decoder_layer, {code})})
                         : g.add_node("reconstruction", "reconstruction", decoder_layer, {code});
  g.finalize(out);
  return Model(std::move(g), spec);
}

// Reconstruction error plus the KL sparsity penalty of the whole mini-batch (see the header).
detail::Objective autoencoder_objective(const Model& model, float target, float weight) {
  const NodeId code = model.graph().at("code");
  const NodeId out = model.graph().at("reconstruction");
  return [=](const std::vector<detail::MicroBatch>& micro, std::int64_t total, bool gradients) {
    detail::ObjectiveResult r;
    std::vector<Tensor> codes;
    for (const auto& mb : micro) codes.push_back(mb.pass.outputs[code]);
    const auto penalty = kl_sparsity_penalty(Tensor::concat_batch(codes), target, weight);
    r.loss_sum = static_cast<double>(total) * penalty.value;
    const float scale = 1.0F / static_cast<float>(total);
    std::int64_t row = 0;
    for (const auto& mb : micro) {
      const Tensor& y = mb.pass.outputs[out];
      Tensor error(y.shape());
      for (std::int64_t i = 0; i < y.size(); ++i) {
        const double e = y[i] - mb.input[i];
        r.loss_sum += 0.5 * e * e;
        error[i] = static_cast<float>(e) * scale;
      }
      const auto rows = y.dim(0);
      if (gradients) {
        r.seeds.push_back(
            {{out, std::move(error)}, {code, penalty.gradient.batch_slice(row, rows)}});
      }
      row += rows;
    }
    return r;
  };
}

constexpr double rho_floor = 1e-6;

}  // namespace

SparsityPenalty kl_sparsity_penalty(const Tensor& activations, float target, float weight) {
  if (activations.rank() != 2 || activations.dim(0) < 1) {
    throw InvalidArgument("kl_sparsity_penalty: activations must be [N, H], got " +
                          to_string(activations.shape()));
  }
  if (!(target > 0.0F && target < 1.0F)) {
    throw InvalidArgument("kl_sparsity_penalty: sparsity_target " + std::to_string(target) +
                          " must be in (0, 1)");
  }
  const auto n = activations.dim(0), h = activations.dim(1);
  std::vector<double> rho(static_cast<std::size_t>(h), 0.0);
  for (std::int64_t i = 0; i < activations.size(); ++i) {
    const float a = activations[i];
    if (!(a >= 0.0F && a <= 1.0F)) {
      throw InvalidArgument("kl_sparsity_penalty: activation " + std::to_string(a) +
                            " is not in [0, 1]");
    }
    rho[static_cast<std::size_t>(i % h)] += a;
  }
  SparsityPenalty p;
  p.gradient = Tensor(activations.shape());
  const double t = target;
  for (std::int64_t j = 0; j < h; ++j) {
    // A float sigmoid saturates to exactly 0 or 1; the mean is kept off the log's poles.
    const double r = std::clamp(rho[static_cast<std::size_t>(j)] / static_cast<double>(n),
                                rho_floor, 1.0 - rho_floor);
    p.value += weight * (t * std::log(t / r) + (1.0 - t) * std::log((1.0 - t) / (1.0 - r)));
    const auto g = static_cast<float>(weight * (-t / r + (1.0 - t) / (1.0 - r)) / n);
    for (std::int64_t i = 0; i < n; ++i) p.gradient[i * h + j] = g;
  }
  return p;
}

SparseAutoencoderResult train_sparse_autoencoder(const Dataset& data,
                                                 const SparseAutoencoderOptions& options,
                                                 Context& context) {
  ArchitectureOptions arch = architecture_options(data, options.seed);
  arch.hidden = options.hidden;
  if (options.standardise) std::tie(arch.mean, arch.std) = channel_statistics(data);
  const Model classifier = build_architecture("sparse-autoencoder", arch);
  if (!(options.sparsity_target > 0.0F && options.sparsity_target < 1.0F)) {
    throw InvalidArgument("sparse-autoencoder: sparsity_target " +
                          std::to_string(options.sparsity_target) + " must be in (0, 1)");
  }

  const Model ae = autoencoder(classifier, options.seed, !options.standardise);
  auto stage1 = detail::fit(
      ae, data, options.autoencoder,
      autoencoder_objective(ae, options.sparsity_target, options.sparsity_weight), context);

  // The classifier takes the trained encoder, then trains its softmax layer on the frozen code.
  auto parameters = model_parameters(classifier);
  const auto encoder = stage1.model.graph().node(stage1.model.graph().at("encoder")).layer;
  const auto trained = encoder->parameters();
  for (std::size_t k = 0; k < trained.size(); ++k) parameters[k] = *trained[k];
  const Model start = with_parameters(classifier, std::move(parameters));
  TrainOptions second = options.classifier;
  second.frozen.push_back("encoder");
  auto stage2 = train(start, data, second, context);
  if (options.fine_tune.epochs == 0) {
    return {std::move(stage2.model), std::move(stage1.history), std::move(stage2.history), {}};
  }
  auto stage3 = train(stage2.model, data, options.fine_tune, context);
  return {std::move(stage3.model), std::move(stage1.history), std::move(stage2.history),
          std::move(stage3.history)};
}

}  // namespace lumen::training

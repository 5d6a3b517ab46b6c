// The sparse auto-encoder: the KL penalty's gradient by finite differences, and the three-stage
// training (the encoder is trained, frozen under a softmax classifier, then fine-tuned with it).
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/training/backprop.hpp"
#include "lumen/training/sparse_autoencoder.hpp"
#include "naive_backend.hpp"
#include "toy_dataset.hpp"

using namespace lumen;
using namespace lumen::training;
using lumen::testing::naive_backend;
using lumen::testing::separable;

TEST_CASE("KL sparsity penalty: value and gradient by finite differences") {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(0.05F, 0.95F);
  Tensor a({5, 4});
  for (auto& v : a.values()) v = u(rng);
  const float target = 0.1F, weight = 2.5F;
  const auto p = kl_sparsity_penalty(a, target, weight);

  // Value by its definition on the column means.
  double expected = 0.0;
  for (std::int64_t j = 0; j < 4; ++j) {
    double rho = 0.0;
    for (std::int64_t n = 0; n < 5; ++n) rho += a[n * 4 + j];
    rho /= 5.0;
    expected += target * std::log(target / rho) + (1 - target) * std::log((1 - target) / (1 - rho));
  }
  CHECK(p.value == Approx(weight * expected));

  const float h = 1e-3F;
  for (std::int64_t i = 0; i < a.size(); ++i) {
    Tensor up = a, down = a;
    up[i] += h;
    down[i] -= h;
    const double numeric = (kl_sparsity_penalty(up, target, weight).value -
                            kl_sparsity_penalty(down, target, weight).value) /
                           (2.0 * h);
    CHECK(p.gradient[i] == Approx(numeric).epsilon(1e-3).margin(1e-4));
  }
  // At the target the penalty and its gradient vanish.
  const auto zero = kl_sparsity_penalty(Tensor({3, 2}, target), target, weight);
  CHECK(zero.value == Approx(0.0).margin(1e-7));
  CHECK(zero.gradient[0] == Approx(0.0).margin(1e-5));
  // Saturated units (a float sigmoid reaches exactly 1) give a finite penalty pushing them down.
  const auto saturated = kl_sparsity_penalty(Tensor({2, 2}, 1.0F), target, weight);
  CHECK(std::isfinite(saturated.value));
  CHECK(saturated.value > 0.0);
  CHECK(saturated.gradient[0] > 0.0F);
  CHECK_THROWS_AS(kl_sparsity_penalty(Tensor({2, 2}, 1.5F), target, weight), InvalidArgument);
  CHECK_THROWS_AS(kl_sparsity_penalty(a, 0.0F, weight), InvalidArgument);
}

TEST_CASE("sparse auto-encoder: reconstruction improves, then the frozen code is classified") {
  const auto data = separable(3, 8, 6, 2);
  SparseAutoencoderOptions o;
  o.hidden = 10;
  o.sparsity_target = 0.1F;
  o.sparsity_weight = 0.5F;
  o.seed = 3;
  o.autoencoder.epochs = 12;
  o.autoencoder.batch_size = 8;
  o.autoencoder.micro_batch = 4;
  o.autoencoder.optimizer.kind = OptimizerOptions::Kind::adam;
  o.autoencoder.optimizer.learning_rate = 0.02F;
  o.classifier = o.autoencoder;
  o.classifier.epochs = 30;
  o.classifier.optimizer.learning_rate = 0.05F;
  Context context(naive_backend(), 2);
  const auto result = train_sparse_autoencoder(data, o, context);
  REQUIRE(result.autoencoder_history.size() == 12);
  CHECK(result.autoencoder_history.back().train_loss <
        0.7 * result.autoencoder_history.front().train_loss);
  CHECK(result.classifier_history.back().train_accuracy == 1.0);

  const Graph& g = result.classifier.graph();
  CHECK(g.node(g.at("code")).layer->op_type() == "Sigmoid");
  CHECK(result.classifier.class_count() == 3);
  // Training the classifier twice from the same autoencoder options reproduces the encoder.
  const auto again = train_sparse_autoencoder(data, o, context);
  const auto p = model_parameters(result.classifier), q = model_parameters(again.classifier);
  for (std::size_t k = 0; k < p.size(); ++k) {
    for (std::int64_t i = 0; i < p[k].size(); ++i) REQUIRE(p[k][i] == q[k][i]);
  }
}

TEST_CASE("sparse auto-encoder: fine-tuning is stage 3, standardisation is recorded") {
  const auto data = separable(3, 8, 6, 5);
  SparseAutoencoderOptions o;
  o.hidden = 6;
  o.seed = 2;
  o.autoencoder.epochs = 3;
  o.autoencoder.batch_size = 8;
  o.autoencoder.optimizer.learning_rate = 0.02F;
  o.classifier = o.autoencoder;
  o.fine_tune = o.autoencoder;
  o.fine_tune.epochs = 0;
  Context context(naive_backend(), 2);
  const auto two_stages = train_sparse_autoencoder(data, o, context);
  CHECK(two_stages.fine_tune_history.empty());
  o.fine_tune.epochs = 4;
  const auto three_stages = train_sparse_autoencoder(data, o, context);
  REQUIRE(three_stages.fine_tune_history.size() == 4);
  // Stages 1 and 2 are the same; stage 3 moves the encoder and lowers the classification loss.
  CHECK(three_stages.classifier_history.back().train_loss ==
        two_stages.classifier_history.back().train_loss);
  const auto before = model_parameters(two_stages.classifier);
  const auto after = model_parameters(three_stages.classifier);
  bool encoder_moved = false;
  for (std::int64_t i = 0; i < before[0].size(); ++i) encoder_moved |= before[0][i] != after[0][i];
  CHECK(encoder_moved);
  CHECK(three_stages.fine_tune_history.back().train_loss <
        two_stages.classifier_history.back().train_loss);

  // The model standardises its input with the training data's statistics, unless told not to.
  std::vector<std::int64_t> all(static_cast<std::size_t>(data.size()));
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = static_cast<std::int64_t>(i);
  const auto [mean, stdev] = channel_statistics(data, all);
  CHECK(three_stages.classifier.input_spec().mean == mean);
  CHECK(three_stages.classifier.input_spec().std == stdev);
  o.standardise = false;
  const auto raw = train_sparse_autoencoder(data, o, context);
  CHECK(raw.classifier.input_spec().mean.empty());
}

// The masked-retraining protocol: masks keep exactly the documented share of relevance (against
// hand-made maps and an independent per-pixel formulation), the masked dataset is image * mask,
// explanation masks do not depend on the batch size, reports match per-sample predictions, and
// retraining reproduces from its seed whatever the thread count.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "lumen/context.hpp"
#include "lumen/error.hpp"
#include "lumen/trace.hpp"
#include "lumen/training/architectures.hpp"
#include "lumen/training/backprop.hpp"
#include "lumen/training/masked_retrain.hpp"
#include "naive_backend.hpp"
#include "same_parameters.hpp"
#include "toy_dataset.hpp"

using namespace lumen;
using namespace lumen::training;
using lumen::testing::naive_backend;
using lumen::testing::separable;
using lumen::training::testing::identical;

namespace {

// Kept pixels of a single-image mask, in pixel order.
std::vector<int> kept(const Tensor& masks, std::int64_t sample = 0) {
  std::vector<int> k;
  const auto plane = masks.dim(2) * masks.dim(3);
  for (std::int64_t i = 0; i < plane; ++i) {
    const float v = masks[sample * plane + i];
    REQUIRE((v == 0.0F || v == 1.0F));
    if (v == 1.0F) k.push_back(static_cast<int>(i));
  }
  return k;
}

Tensor one_map(std::vector<float> values, std::int64_t h, std::int64_t w) {
  return Tensor({1, 1, h, w}, std::move(values));
}

// Pretends to explain: the map is the input, negated for odd targets (so those masks are empty).
class EchoExplainer final : public Explainer {
 public:
  ExplainerInfo info() const override {
    ExplainerInfo i;
    i.name = "echo";
    return i;
  }

 protected:
  Attribution compute(const ExplainRequest& r, Context& /*context*/) const override {
    Attribution a;
    a.map = r.input;
    const auto per = r.input.size() / r.input.dim(0);
    for (std::int64_t i = 0; i < a.map.size(); ++i) {
      if (r.targets[static_cast<std::size_t>(i / per)] % 2 != 0) a.map[i] = -a.map[i];
    }
    return a;
  }
};

TrainOptions quick(std::uint64_t seed) {
  TrainOptions o;
  o.epochs = 2;
  o.batch_size = 8;
  o.micro_batch = 4;
  o.seed = seed;
  o.optimizer.kind = OptimizerOptions::Kind::adam;
  o.optimizer.learning_rate = 0.01F;
  return o;
}

}  // namespace

TEST_CASE("mass rule: the fewest pixels holding `keep` of the positive relevance",
          "[masked-retrain]") {
  // Positive relevance 5 + 3 + 2 = 10 at pixels 0, 2, 5; pixel 3 is negative.
  const Tensor map = one_map({5, 0, 3, -4, 0, 2}, 2, 3);
  CHECK(kept(relevance_masks(map, {0.5, KeepRule::mass})) == std::vector<int>{0});
  CHECK(kept(relevance_masks(map, {0.51, KeepRule::mass})) == std::vector<int>{0, 2});
  CHECK(kept(relevance_masks(map, {0.7, KeepRule::mass})) == std::vector<int>{0, 2});
  CHECK(kept(relevance_masks(map, {0.8, KeepRule::mass})) == std::vector<int>{0, 2});
  CHECK(kept(relevance_masks(map, {0.81, KeepRule::mass})) == std::vector<int>{0, 2, 5});
  CHECK(kept(relevance_masks(map, {1.0, KeepRule::mass})) == std::vector<int>{0, 2, 5});
  // Channels are summed first: pixel relevances 5, 1, -2, 3.
  const Tensor two({1, 2, 2, 2}, std::vector<float>{6, 3, -1, 1, -1, -2, -1, 2});
  CHECK(kept(relevance_masks(two, {0.7, KeepRule::mass})) == std::vector<int>{0, 3});
  // Ties go to the lower pixel index.
  const Tensor flat = one_map({2, 2, 2, 2}, 2, 2);
  CHECK(kept(relevance_masks(flat, {0.5, KeepRule::mass})) == std::vector<int>{0, 1});
  CHECK(kept(relevance_masks(flat, {0.3, KeepRule::mass})) == std::vector<int>{0, 1});
  // No positive relevance: an empty mask.
  CHECK(kept(relevance_masks(one_map({-1, 0, -3, 0}, 2, 2), {0.7, KeepRule::mass})).empty());
}

TEST_CASE("mass rule agrees with its per-pixel formulation on random maps", "[masked-retrain]") {
  // A positive pixel is kept iff the positive relevance ranked strictly before it is below
  // keep * total (ranking: higher relevance first, then lower index).
  std::mt19937_64 rng(7);
  std::normal_distribution<float> normal(0.0F, 1.0F);
  Tensor maps({3, 2, 9, 7});
  for (auto& v : maps.values()) v = normal(rng);
  for (double keep : {0.1, 0.3, 0.7, 0.95, 1.0}) {
    const Tensor masks = relevance_masks(maps, {keep, KeepRule::mass});
    for (std::int64_t s = 0; s < 3; ++s) {
      std::vector<double> r(63, 0.0);
      for (std::int64_t c = 0; c < 2; ++c) {
        for (std::int64_t i = 0; i < 63; ++i) r[i] += maps[(s * 2 + c) * 63 + i];
      }
      double total = 0.0, held = 0.0;
      for (double v : r) total += v > 0 ? v : 0.0;
      for (std::size_t p = 0; p < r.size(); ++p) {
        double before = 0.0;
        for (std::size_t q = 0; q < r.size(); ++q) {
          if (r[q] > 0 && (r[q] > r[p] || (r[q] == r[p] && q < p))) before += r[q];
        }
        const bool expected = r[p] > 0 && before < keep * total * (1 - 1e-9);
        CHECK((masks[s * 63 + static_cast<std::int64_t>(p)] == 1.0F) == expected);
        if (expected) held += r[p];
      }
      CHECK(held >= keep * total * (1 - 1e-9));
    }
  }
}

TEST_CASE("count rule: the top share of the positive pixels", "[masked-retrain]") {
  // Ten positive pixels 1..10 (pixel i holds i + 1), two non-positive.
  std::vector<float> v{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, -1};
  const Tensor map = one_map(v, 3, 4);
  CHECK(kept(relevance_masks(map, {0.7, KeepRule::count})) ==
        std::vector<int>{3, 4, 5, 6, 7, 8, 9});
  CHECK(kept(relevance_masks(map, {0.25, KeepRule::count})) == std::vector<int>{7, 8, 9});
  CHECK(kept(relevance_masks(map, {1.0, KeepRule::count})).size() == 10);
}

TEST_CASE("relevance_masks refuses bad input", "[masked-retrain]") {
  CHECK_THROWS_AS(relevance_masks(Tensor({1, 4, 4}), {}), InvalidArgument);
  CHECK_THROWS_AS(relevance_masks(Tensor({1, 1, 2, 2}), {0.0, KeepRule::mass}), InvalidArgument);
  CHECK_THROWS_AS(relevance_masks(Tensor({1, 1, 2, 2}), {1.5, KeepRule::mass}), InvalidArgument);
}

TEST_CASE("the masked dataset is image * mask on every channel", "[masked-retrain]") {
  const auto data = separable(3, 2, 4, 11, 2);
  std::vector<Tensor> masks;
  std::mt19937_64 rng(3);
  for (std::int64_t i = 0; i < data.size(); ++i) {
    Tensor m({1, 4, 4});
    for (auto& v : m.values()) v = static_cast<float>(rng() % 2);
    masks.push_back(m);
  }
  const MaskedDataset masked(data, masks);
  REQUIRE(masked.size() == data.size());
  CHECK(masked.class_names() == data.class_names());
  CHECK(masked.sample_shape() == data.sample_shape());
  for (std::int64_t i = 0; i < data.size(); ++i) {
    const Sample a = data.get(i), b = masked.get(i);
    CHECK(b.label == a.label);
    CHECK(b.id == a.id + " (masked)");
    for (std::int64_t k = 0; k < a.image.size(); ++k) {
      CHECK(b.image[k] == a.image[k] * masks[static_cast<std::size_t>(i)][k % 16]);
    }
  }
  masks.pop_back();
  CHECK_THROWS_AS(MaskedDataset(data, masks), InvalidArgument);
  CHECK_THROWS_AS(MaskedDataset(separable(3, 1, 4, 1), std::vector<Tensor>(3, Tensor({1, 2, 2}))),
                  InvalidArgument);
}

TEST_CASE("explanation masks: per sample, independent of the batch size, targets chosen",
          "[masked-retrain]") {
  const auto data = separable(2, 5, 6, 4);
  const auto model = [&] {
    ArchitectureOptions a;
    a.sample_shape = data.sample_shape();
    a.classes = 2;
    a.hidden = 4;
    return build_architecture("sparse-autoencoder", a);
  }();
  const EchoExplainer echo;
  const ExplainerChoice method{&echo, Params{}, std::nullopt};
  Context context(naive_backend(), 2);
  const MaskOptions keep{0.7, KeepRule::mass};
  const auto by3 = explanation_masks(model, data, method, TargetChoice::label, keep, context, 3);
  const auto by16 = explanation_masks(model, data, method, TargetChoice::label, keep, context, 16);
  REQUIRE(by3.size() == 10);
  for (std::int64_t i = 0; i < data.size(); ++i) {
    const Sample s = data.get(i);
    const Tensor alone = relevance_masks(
        s.label % 2 == 0 ? s.image.reshaped({1, 1, 6, 6}) : Tensor({1, 1, 6, 6}), keep);
    CHECK(kept(by3[static_cast<std::size_t>(i)].reshaped({1, 1, 6, 6})) == kept(alone));
    CHECK(kept(by16[static_cast<std::size_t>(i)].reshaped({1, 1, 6, 6})) == kept(alone));
  }
  // With predictions as targets, a sample's mask is empty exactly when its prediction is odd.
  const auto predicted =
      explanation_masks(model, data, method, TargetChoice::prediction, keep, context, 4);
  for (std::int64_t i = 0; i < data.size(); ++i) {
    const Tensor x = standardise(model.input_spec(), data.get(i).image);
    const Tensor logits = predict_logits(model, x.reshaped({1, 1, 6, 6}), context);
    const bool odd = logits[1] > logits[0];
    CHECK(kept(predicted[static_cast<std::size_t>(i)].reshaped({1, 1, 6, 6})).empty() == odd);
  }
}

TEST_CASE("classification report matches per-sample predictions", "[masked-retrain]") {
  const auto data = separable(3, 4, 6, 9);
  Context context(naive_backend(), 2);
  const Model model = architecture_trainer("sparse-autoencoder", quick(1), 1, 8)(data, context);
  const auto r = classification_report(model, data, context, 5);
  std::vector<std::vector<std::int64_t>> confusion(3, std::vector<std::int64_t>(3, 0));
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < data.size(); ++i) {
    const Sample s = data.get(i);
    const Tensor x = standardise(model.input_spec(), s.image);
    const Tensor l = predict_logits(model, x.reshaped({1, 1, 6, 6}), context);
    std::int64_t best = 0;
    for (std::int64_t c = 1; c < 3; ++c) best = l[c] > l[best] ? c : best;
    ++confusion[static_cast<std::size_t>(s.label)][static_cast<std::size_t>(best)];
    CHECK(r.predictions[static_cast<std::size_t>(i)] == best);
    CHECK(r.labels[static_cast<std::size_t>(i)] == s.label);
    correct += best == s.label ? 1 : 0;
  }
  CHECK(r.confusion == confusion);
  CHECK(r.accuracy == Approx(static_cast<double>(correct) / 12.0));
  CHECK(r.class_count == std::vector<std::int64_t>{4, 4, 4});
  for (std::size_t c = 0; c < 3; ++c) {
    CHECK(r.class_accuracy[c] == Approx(static_cast<double>(confusion[c][c]) / 4.0));
  }
}

TEST_CASE("masked retraining trains on image * mask and reproduces from its seed",
          "[masked-retrain]") {
  const auto train = separable(2, 6, 6, 21);
  const auto test = separable(2, 3, 6, 22);
  const EchoExplainer echo;
  const ExplainerChoice method{&echo, Params{}, std::nullopt};
  Context one(naive_backend(), 1), two(naive_backend(), 2);
  const Model model = architecture_trainer("sparse-autoencoder", quick(5), 5, 8)(train, two);

  // The trainer sees exactly the training images times their label-target masks.
  const auto expected = explanation_masks(model, train, method, TargetChoice::label, {}, two);
  const auto base = architecture_trainer("sparse-autoencoder", quick(5), 5, 8);
  std::int64_t checked = 0;
  const ModelTrainer watching = [&](const Dataset& masked, Context& c) {
    REQUIRE(masked.size() == train.size());
    for (std::int64_t i = 0; i < train.size(); ++i) {
      const Sample a = train.get(i), b = masked.get(i);
      for (std::int64_t k = 0; k < a.image.size(); ++k) {
        checked += b.image[k] == a.image[k] * expected[static_cast<std::size_t>(i)][k] ? 1 : 0;
      }
    }
    return base(masked, c);
  };
  const auto r1 = masked_retrain(model, train, test, method, watching, {}, one);
  CHECK(checked == train.size() * 36);
  const auto r2 = masked_retrain(model, train, test, method, base, {}, two);
  CHECK(identical(r1.retrained, r2.retrained));
  CHECK(r1.retrained_on_masked.confusion == r2.retrained_on_masked.confusion);
  CHECK(r1.original_on_original.accuracy == classification_report(model, test, two).accuracy);
  CHECK(r1.train_masks.kept_fraction > 0.0);
  CHECK(r1.train_masks.kept_fraction < 1.0);
  // The echo explainer negates the (standardised) image of an odd label: its mask is empty
  // exactly when that image has no negative pixel.
  std::int64_t empty = 0;
  for (std::int64_t i = 0; i < train.size(); ++i) {
    const Sample s = train.get(i);
    const Tensor x = standardise(model.input_spec(), s.image);
    const bool none_negative =
        std::none_of(x.values().begin(), x.values().end(), [](float v) { return v < 0.0F; });
    const bool none_positive =
        std::none_of(x.values().begin(), x.values().end(), [](float v) { return v > 0.0F; });
    empty += (s.label % 2 != 0 ? none_negative : none_positive) ? 1 : 0;
  }
  CHECK(r1.train_masks.empty_masks == empty);
  CHECK_THROWS_AS(masked_retrain(model, train, separable(3, 1, 6, 1), method, base, {}, two),
                  InvalidArgument);
}

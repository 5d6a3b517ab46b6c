// Metric::evaluate: the checks core makes before and after a metric's own work, with a metric that
// records whether that work ran.
#include <tbb/task_arena.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/metric.hpp>
#include <lumen/model.hpp>

#include "test_models.hpp"
#include "test_registry.hpp"
#include "toy_dataset.hpp"

using namespace lumen;
using Catch::Contains;
using lumen::testing::conv_net;
using lumen::testing::make_context;
using lumen::testing::random_tensor;
using lumen::testing::registry;

namespace {

/// A metric of the given kind and needs with one parameter, `offset`; its values are what
/// `values` makes of the number of samples (by default one 0.5 per sample).
class RecordingMetric final : public Metric {
 public:
  RecordingMetric(MetricKind kind, unsigned needs) : kind_(kind), needs_(needs) {}

  MetricInfo info() const override {
    MetricInfo i;
    i.name = "recording";
    i.summary = "records whether it ran";
    i.citation = "none: a test";
    i.kind = kind_;
    i.needs = needs_;
    i.params = {param::real("offset", 0.0, "added to every value")};
    return i;
  }

  mutable std::atomic<bool> ran{false};
  mutable std::atomic<int> concurrency{0};  ///< the arena's, seen while scoring
  std::function<std::vector<double>(std::int64_t)> values = [](std::int64_t n) {
    return std::vector<double>(static_cast<std::size_t>(n), 0.5);
  };

 private:
  MetricResult score(std::int64_t n) const {
    ran = true;
    concurrency = tbb::this_task_arena::max_concurrency();
    MetricResult result;
    result.per_sample = values(n);
    result.aggregate = 0.5;
    return result;
  }
  MetricResult score_batch(const BatchCase& c, Context&) const override {
    return score(c.input.dim(0));
  }
  MetricResult score_dataset(const DatasetCase& c, Context&) const override {
    return score(c.test_data.size());
  }

  MetricKind kind_;
  unsigned needs_;
};

/// A batch of two for conv_net ([N,3,8,8], 5 classes) with everything a batch metric may need.
struct Batch {
  Model model = conv_net(1);
  Tensor input = random_tensor({2, 3, 8, 8}, 2);
  std::vector<std::int64_t> targets{0, 4};
  Tensor attribution = random_tensor({2, 3, 8, 8}, 3);
  Tensor mask = Tensor({2, 1, 8, 8}, 1.0F);
  Tensor reference = random_tensor({2, 1, 8, 8}, 4);
  std::shared_ptr<const Explainer> explainer = registry().explainer("saliency");
  Params explainer_params = Params::validate(explainer->info().params, {}, "saliency");
  Params params;

  explicit Batch(const Metric& metric) : params(Params::validate(metric.info().params, {}, "m")) {}

  /// Every pointer set.
  BatchCase full() const {
    return {.input = input,
            .targets = targets,
            .attribution = attribution,
            .params = params,
            .model = &model,
            .explainer = explainer.get(),
            .explainer_params = &explainer_params,
            .mask = &mask,
            .reference = &reference};
  }
};

/// Requires evaluate to throw E with a message holding each of `parts`, and the metric's own work
/// not to have run.
template <typename E, typename Case>
void refused(const RecordingMetric& metric, const Case& c,
             std::initializer_list<const char*> parts) {
  try {
    metric.evaluate(c, *make_context());
    FAIL("evaluate accepted the case");
  } catch (const E& e) {
    for (const char* part : parts) CHECK_THAT(e.what(), Contains(part));
  }
  CHECK_FALSE(metric.ran);
}

}  // namespace

TEST_CASE("Metric::evaluate scores a good batch inside the context's arena", "[metric][threaded]") {
  const RecordingMetric metric(MetricKind::batch,
                               needs_model | needs_explainer | needs_mask | needs_reference_map);
  const Batch b(metric);
  const auto two = make_context(2);
  const MetricResult result = metric.evaluate(b.full(), *two);
  CHECK(metric.ran);
  CHECK(result.per_sample == std::vector<double>{0.5, 0.5});
  CHECK(metric.concurrency == 2);
  // Inside another context's run (a 2-thread arena), the metric still works in its own context's.
  const auto one = make_context(1);
  two->run([&] { metric.evaluate(b.full(), *one); });
  CHECK(metric.concurrency == 1);
}

TEST_CASE("Metric::evaluate refuses a case of the other kind", "[metric]") {
  const RecordingMetric dataset_level(MetricKind::dataset, 0);
  const Batch b(dataset_level);
  refused<InvalidArgument>(
      dataset_level, b.full(),
      {"metric 'recording' is a dataset-level metric", "give it a DatasetCase"});

  const RecordingMetric batch(MetricKind::batch, 0);
  const auto train = testing::separable(2, 2, 8, 1, 3), test = testing::separable(2, 1, 8, 2, 3);
  const DatasetCase c{b.model, *b.explainer, b.explainer_params, b.params, train, test};
  refused<InvalidArgument>(batch, c,
                           {"metric 'recording' is a batch metric", "give it a BatchCase"});
}

TEST_CASE("Metric::evaluate refuses a case lacking what the metric needs", "[metric]") {
  SECTION("a mask") {
    const RecordingMetric metric(MetricKind::batch, needs_mask);
    const Batch b(metric);
    BatchCase c = b.full();
    c.mask = nullptr;
    refused<InvalidArgument>(metric, c, {"metric 'recording'", "lacks the mask it needs"});
  }
  SECTION("a reference map") {
    const RecordingMetric metric(MetricKind::batch, needs_reference_map);
    const Batch b(metric);
    BatchCase c = b.full();
    c.reference = nullptr;
    refused<InvalidArgument>(metric, c, {"metric 'recording'", "lacks the reference map it needs"});
  }
  SECTION("the model") {
    const RecordingMetric metric(MetricKind::batch, needs_model);
    const Batch b(metric);
    BatchCase c = b.full();
    c.model = nullptr;
    refused<InvalidArgument>(metric, c, {"metric 'recording'", "lacks the model it needs"});
  }
  SECTION("the explainer's parameters") {
    const RecordingMetric metric(MetricKind::batch, needs_explainer);
    const Batch b(metric);
    BatchCase c = b.full();
    c.explainer_params = nullptr;
    refused<InvalidArgument>(metric, c,
                             {"metric 'recording'", "lacks the explainer (and its parameters)"});
  }
  SECTION("nothing it does not need") {
    const RecordingMetric metric(MetricKind::batch, 0);
    const Batch b(metric);
    const BatchCase c{
        .input = b.input, .targets = b.targets, .attribution = b.attribution, .params = b.params};
    metric.evaluate(c, *make_context());
    CHECK(metric.ran);
  }
}

TEST_CASE("Metric::evaluate refuses maps and targets that do not fit the batch", "[metric]") {
  const RecordingMetric metric(MetricKind::batch, needs_model | needs_mask);
  const Batch b(metric);
  BatchCase c = b.full();
  SECTION("an attribution of another batch size") {
    const Tensor three = random_tensor({3, 3, 8, 8}, 5);
    const BatchCase other{.input = b.input,
                          .targets = b.targets,
                          .attribution = three,
                          .params = b.params,
                          .model = &b.model,
                          .mask = &b.mask};
    refused<ShapeError>(metric, other,
                        {"metric 'recording'", "the attribution must be [N,*,H,W]",
                         "for the input [2,3,8,8], got [3,3,8,8]"});
  }
  SECTION("a mask with channels") {
    const Tensor mask({2, 3, 8, 8}, 1.0F);
    c.mask = &mask;
    refused<ShapeError>(metric, c, {"metric 'recording'", "the mask must be [N,1,H,W]"});
  }
  SECTION("a target count other than the batch's") {
    const std::vector<std::int64_t> three{0, 1, 2};
    c.targets = three;
    refused<InvalidArgument>(metric, c, {"metric 'recording'", "3 targets for a batch of 2"});
  }
  SECTION("a target the model does not have") {
    const std::vector<std::int64_t> out_of_range{0, 5};
    c.targets = out_of_range;
    refused<InvalidArgument>(metric, c, {"metric 'recording'", "target class 5", "out of range"});
  }
  SECTION("an input the model does not take") {
    const Tensor small = random_tensor({2, 3, 4, 4}, 6);
    const Tensor small_mask({2, 1, 4, 4}, 1.0F);
    const BatchCase other{.input = small,
                          .targets = b.targets,
                          .attribution = small,
                          .params = b.params,
                          .model = &b.model,
                          .mask = &small_mask};
    refused<InvalidArgument>(metric, other, {"metric 'recording'", "does not fit the model"});
  }
  SECTION("a non-finite attribution") {
    Tensor attribution = b.attribution;
    attribution[7] = std::numeric_limits<float>::quiet_NaN();
    const BatchCase other{.input = b.input,
                          .targets = b.targets,
                          .attribution = attribution,
                          .params = b.params,
                          .model = &b.model,
                          .mask = &b.mask};
    refused<InvalidArgument>(metric, other,
                             {"metric 'recording'", "the attribution is not finite"});
  }
}

TEST_CASE("Metric::evaluate refuses parameters not validated against the metric's", "[metric]") {
  const RecordingMetric metric(MetricKind::batch, 0);
  const Batch b(metric);
  const Params none;
  const BatchCase missing{
      .input = b.input, .targets = b.targets, .attribution = b.attribution, .params = none};
  refused<InvalidArgument>(metric, missing,
                           {"metric 'recording'", "the parameters of the metric were not validated",
                            "'offset' is missing"});
  const Params other = Params::validate(
      std::vector<ParamSpec>{param::real("offset", 0.0, "h"), param::real("scale", 1.0, "h")}, {},
      "other");
  const BatchCase extra{
      .input = b.input, .targets = b.targets, .attribution = b.attribution, .params = other};
  refused<InvalidArgument>(metric, extra, {"metric 'recording'", "'scale' is not declared"});
}

TEST_CASE("Metric::evaluate reports a metric returning the wrong number of values or NaN",
          "[metric]") {
  RecordingMetric metric(MetricKind::batch, 0);
  const Batch b(metric);
  const BatchCase c{
      .input = b.input, .targets = b.targets, .attribution = b.attribution, .params = b.params};
  metric.values = [](std::int64_t) { return std::vector<double>{0.5}; };
  CHECK_THROWS_WITH(metric.evaluate(c, *make_context()),
                    "metric 'recording' returned 1 per-sample values for 2 samples");
  CHECK(metric.ran);
  // A plain Error: the metric broke its contract, the case was fine.
  try {
    metric.evaluate(c, *make_context());
  } catch (const InvalidArgument&) {
    FAIL("reported as a bad case");
  } catch (const Error&) {
  }
  metric.values = [](std::int64_t) {
    return std::vector<double>{0.5, std::numeric_limits<double>::quiet_NaN()};
  };
  CHECK_THROWS_WITH(
      metric.evaluate(c, *make_context()),
      Contains("metric 'recording' returned nan for sample 1") && Contains("must be finite"));
}

TEST_CASE("Metric::evaluate checks a dataset-level case and its result", "[metric]") {
  RecordingMetric metric(MetricKind::dataset, 0);
  const Batch b(metric);
  const auto train = testing::separable(2, 2, 8, 1, 3), test = testing::separable(2, 2, 8, 2, 3);
  const DatasetCase c{b.model, *b.explainer, b.explainer_params, b.params, train, test};
  CHECK(metric.evaluate(c, *make_context()).per_sample.size() == 4);
  CHECK(metric.ran);

  metric.ran = false;
  const testing::ToyDataset empty({3, 8, 8}, 2, {});
  const DatasetCase no_test{b.model, *b.explainer, b.explainer_params, b.params, train, empty};
  refused<InvalidArgument>(metric, no_test, {"metric 'recording'", "the test set is empty"});

  const auto grey = testing::separable(2, 2, 8, 3, 1);
  const DatasetCase wrong_shape{b.model, *b.explainer, b.explainer_params, b.params, grey, test};
  refused<ShapeError>(
      metric, wrong_shape,
      {"metric 'recording'", "the training set's samples are [1,8,8]", "the model takes [3,8,8]"});

  metric.values = [](std::int64_t n) {
    return std::vector<double>(static_cast<std::size_t>(n + 1), 0.5);
  };
  CHECK_THROWS_WITH(metric.evaluate(c, *make_context()),
                    "metric 'recording' returned 5 per-sample values for 4 test samples");
}

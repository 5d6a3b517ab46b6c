#pragma once
// The checks that run an explainer on one test model.
#include <memory>

#include "lumen/conformance/report.hpp"
#include "lumen/explainer.hpp"
#include "test_cases.hpp"

namespace lumen::conformance::detail {

/// Runs with default parameters on `test` and checks shape, sign, finiteness, pass counts,
/// batch vs one-by-one, 1 vs 2 threads, seed, concurrency and that the model is unchanged.
void check_explainer_runs(const Explainer& explainer, const ExplainerInfo& info,
                          const TestModel& test, std::shared_ptr<const Backend> backend,
                          const Subject& item, Report& report);

}  // namespace lumen::conformance::detail

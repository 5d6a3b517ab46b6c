#pragma once
/// The checks of the conformance suite, one family per kind of registered item. Each records its
/// results into a Report and never throws. Explainers, rules and metrics run on the registry's
/// "cpu-naive" backend, which backends are also compared with.
#include <filesystem>
#include <span>
#include <string>

#include "lumen/conformance/export.hpp"
#include "lumen/conformance/report.hpp"

namespace lumen {
class Registry;
}

namespace lumen::conformance {

/// The registered name of the backend every other one is compared with.
inline constexpr const char* reference_backend = "cpu-naive";

/// Info, parameter validation, and runs on the conv, residual and dense test models: shape, sign,
/// finiteness, batch vs one-by-one, 1 vs 2 threads, seed, model unchanged, pass counts,
/// concurrency. `item.name` is the explainer's registered name.
LUMEN_CONFORMANCE_API void check_explainer(const Registry& registry, const Subject& item,
                                           Report& report);

/// Info, construction with default parameters, and conservation on bias-free test models for
/// rules that declare it.
LUMEN_CONFORMANCE_API void check_rule(const Registry& registry, const Subject& item,
                                      Report& report);

/// Info, rules that are registered relevance rules taking the composite's parameters, and on the
/// conv, residual and dense test models a rule for every linear layer that handles it, with
/// finite relevance at the input.
LUMEN_CONFORMANCE_API void check_composite(const Registry& registry, const Subject& item,
                                           Report& report);

/// Info, and on the conv, residual, dense and batch-norm test models: the canonized model's
/// logits equal the original's (1e-5 relative), and the original is left as it was.
LUMEN_CONFORMANCE_API void check_canonizer(const Registry& registry, const Subject& item,
                                           Report& report);

/// Info (direction, range) and values inside the declared range on random maps.
LUMEN_CONFORMANCE_API void check_metric(const Registry& registry, const Subject& item,
                                        Report& report);

/// Every kernel the backend implements: against the reference backend on a battery of geometries,
/// bit-identical on 1 and 2 threads, and concurrent calls equal to sequential ones; then the test
/// models on a chain of the backend and the reference, against the reference alone.
LUMEN_CONFORMANCE_API void check_backend(const Registry& registry, const Subject& item,
                                         Report& report);

/// Missing, empty and garbage files refused with lumen::Error for each declared extension; each
/// sample model with a declared extension loads and its truncations are refused.
LUMEN_CONFORMANCE_API void check_importer(const Registry& registry, const Subject& item,
                                          std::span<const std::filesystem::path> sample_models,
                                          Report& report);

}  // namespace lumen::conformance

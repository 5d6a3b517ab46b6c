#include "incremental.hpp"

#include <cmath>
#include <lumen/model.hpp>
#include <lumen/trace.hpp>

#include "chunk_run.hpp"

namespace lumen::occlusion {

Logits incremental_occlusion(const ExplainRequest& request, const SlidingWindows& windows,
                             const std::vector<LocalLayer>& layers, const ConePlanner& planner,
                             double planned_flops, const Jobs& jobs, float baseline,
                             Context& context) {
  Logits out(jobs);
  ForwardOptions keep;
  keep.keep_all = false;
  keep.keep = planner.order();
  const Trace base = run_forward(request.model, request.input, context, keep);
  out.set_reference(base.output(request.model.logits_node()), request.targets);
  const IncrementalSetup setup{request.model, layers, windows, base, baseline};
  context.parallel_for(jobs.total(), [&](std::int64_t job) {
    const ChunkPlan plan = planner.plan(jobs.first(job), jobs.size(job));
    ChunkRun run(setup, plan, planner.order(), jobs.sample(job), context);
    run.run();
    const std::int64_t target = request.targets[static_cast<std::size_t>(jobs.sample(job))];
    double* occluded = out.occluded_at(jobs, job);
    for (std::int64_t k = 0; k < plan.count; ++k) occluded[k] = run.logit(k, target);
  });
  // The patches and dense nodes in whole-pass equivalents of their FLOPs, rounded up.
  const double per_pass = planner.plain_flops();
  const auto passes =
      per_pass > 0.0 ? static_cast<std::int64_t>(std::ceil(planned_flops / per_pass)) : jobs.count;
  context.count_forward(jobs.samples * passes);
  return out;
}

}  // namespace lumen::occlusion

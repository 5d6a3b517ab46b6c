#include "chunk_run.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "patches.hpp"

namespace lumen::occlusion {

ChunkRun::ChunkRun(const IncrementalSetup& setup, const ChunkPlan& plan,
                   const std::vector<NodeId>& order, std::int64_t sample, const Context& context)
    : s_(setup),
      graph_(setup.model.graph()),
      plan_(plan),
      order_(order),
      sample_(sample),
      context_(context),
      patches_(graph_.size()),
      dense_out_(graph_.size()),
      stacked_(graph_.size()),
      readers_(graph_.size(), 0) {
  for (NodeId id : order_) {
    for (NodeId i : graph_.node(id).inputs) ++readers_[i];
  }
}

void ChunkRun::run() {
  for (NodeId id : order_) {
    context_.check_cancelled();
    if (id == graph_.input()) {
      input_patches();
      continue;
    }
    if (plan_.dense[id]) {
      dense_node(id);
    } else if (s_.layers[id].kind != LocalKind::none) {
      local_node(id);
    }
    for (NodeId i : graph_.node(id).inputs) {
      if (--readers_[i] == 0) release(i);
    }
  }
}

double ChunkRun::logit(std::int64_t k, std::int64_t target) const {
  const NodeId id = s_.model.logits_node();
  const std::int64_t classes = element_count(graph_.node(id).output_shape);
  if (plan_.dense[id]) return dense_out_[id][k * classes + target];
  if (s_.layers[id].kind == LocalKind::none) return base(id)[target];
  std::vector<float> value(static_cast<std::size_t>(classes));
  gather(id, k, whole(id), value.data());
  return value[static_cast<std::size_t>(target)];
}

const float* ChunkRun::base(NodeId id) const {
  return s_.base.output(id).data() + sample_ * element_count(graph_.node(id).output_shape);
}

Rect ChunkRun::whole(NodeId id) const {
  const LocalLayer& l = s_.layers[id];
  return {{0, l.height}, {0, l.width}};
}

// Writes node `id`'s base output over `q` to dst ([C, rows, cols]).
void ChunkRun::gather_base(NodeId id, const Rect& q, float* dst) const {
  const LocalLayer& l = s_.layers[id];
  const float* from = base(id);
  const std::int64_t h = q.rows.size(), w = q.cols.size();
  for (std::int64_t c = 0; c < l.channels; ++c) {
    for (std::int64_t r = 0; r < h; ++r) {
      std::copy_n(from + (c * l.height + q.rows.begin + r) * l.width + q.cols.begin, w,
                  dst + (c * h + r) * w);
    }
  }
}

// Writes node `id`'s output for window k over `q` to dst ([C, rows, cols]): the base output
// with the window's patch laid over it.
void ChunkRun::gather(NodeId id, std::int64_t k, const Rect& q, float* dst) const {
  gather_base(id, q, dst);
  const LocalLayer& l = s_.layers[id];
  const std::int64_t h = q.rows.size(), w = q.cols.size();
  const Rect& p = plan_.rects[id][static_cast<std::size_t>(k)];
  if (p.empty()) return;
  const Rect o{intersection(p.rows, q.rows), intersection(p.cols, q.cols)};
  if (o.empty()) return;
  const float* patch = patches_[id][static_cast<std::size_t>(k)].data();
  const std::int64_t ph = p.rows.size(), pw = p.cols.size();
  for (std::int64_t c = 0; c < l.channels; ++c) {
    for (std::int64_t r = o.rows.begin; r < o.rows.end; ++r) {
      std::copy_n(patch + (c * ph + r - p.rows.begin) * pw + (o.cols.begin - p.cols.begin),
                  o.cols.size(),
                  dst + (c * h + r - q.rows.begin) * w + o.cols.begin - q.cols.begin);
    }
  }
}

// The input under each window: the image over the window's rows and columns, with the
// window's channels set to the baseline.
void ChunkRun::input_patches() {
  const NodeId id = graph_.input();
  const LocalLayer& l = s_.layers[id];
  patches_[id].resize(count());
  for (std::int64_t k = 0; k < plan_.count; ++k) {
    const Rect& r = plan_.rects[id][static_cast<std::size_t>(k)];
    Tensor patch({1, l.channels, r.rows.size(), r.cols.size()});
    gather_base(id, r, patch.data());
    const auto channels = s_.windows.range(plan_.first + k, 0);
    const std::int64_t plane = r.area();
    std::fill(patch.data() + channels[0] * plane, patch.data() + channels[1] * plane, s_.baseline);
    patches_[id][static_cast<std::size_t>(k)] = std::move(patch);
  }
}

// The node's patches. Windows whose rectangles have one size and whose crops one padding
// (interior windows of a size) share a kernel call, their crops stacked along the batch.
void ChunkRun::local_node(NodeId id) {
  const Node& node = graph_.node(id);
  const LocalLayer& layer = s_.layers[id];
  const auto& rects = plan_.rects[id];
  std::map<std::array<std::int64_t, 6>, std::vector<std::size_t>> groups;
  for (std::size_t k = 0; k < count(); ++k) {
    const Rect& r = rects[k];
    if (r.empty()) continue;
    const auto pads = input_rect(layer, r).pads;
    groups[{r.rows.size(), r.cols.size(), pads[0], pads[1], pads[2], pads[3]}].push_back(k);
  }
  patches_[id].resize(count());
  for (const auto& [key, members] : groups) {
    const auto g = static_cast<std::int64_t>(members.size());
    std::vector<Rect> outs;
    for (std::size_t k : members) outs.push_back(rects[k]);
    const Rect size = input_rect(layer, outs[0]).rect;  // the crops' size, as for every member
    std::vector<Tensor> crops;
    for (NodeId i : node.inputs) {
      Tensor crop({g, s_.layers[i].channels, size.rows.size(), size.cols.size()});
      const std::int64_t one = crop.size() / g;
      for (std::int64_t m = 0; m < g; ++m) {
        const Rect q = input_rect(layer, outs[static_cast<std::size_t>(m)]).rect;
        gather(i, static_cast<std::int64_t>(members[static_cast<std::size_t>(m)]), q,
               crop.data() + m * one);
      }
      crops.push_back(std::move(crop));
    }
    const Tensor y = layer_patches(node, layer, outs, crops, context_.backend());
    const std::int64_t one = y.size() / g;
    for (std::int64_t m = 0; m < g; ++m) {
      Tensor patch({1, y.dim(1), y.dim(2), y.dim(3)});
      std::copy_n(y.data() + m * one, one, patch.data());
      patches_[id][members[static_cast<std::size_t>(m)]] = std::move(patch);
    }
  }
}

// The node's whole output for every window of the chunk, from its inputs stacked likewise.
void ChunkRun::dense_node(NodeId id) {
  const Node& node = graph_.node(id);
  std::vector<const Tensor*> args;
  for (NodeId i : node.inputs) args.push_back(plan_.dense[i] ? &dense_out_[i] : &stacked(i));
  dense_out_[id] = node.layer->forward(args, context_.backend(), nullptr);
}

// A node that is not dense, for every window of the chunk: [count, ...].
const Tensor& ChunkRun::stacked(NodeId id) {
  Tensor& out = stacked_[id];
  if (!out.empty()) return out;
  Shape shape = graph_.node(id).output_shape;
  shape[0] = plan_.count;
  out = Tensor(shape);
  const std::int64_t one = out.size() / plan_.count;
  for (std::int64_t k = 0; k < plan_.count; ++k) {
    if (s_.layers[id].kind == LocalKind::none) {
      std::copy_n(base(id), one, out.data() + k * one);  // no window changes it
    } else {
      gather(id, k, whole(id), out.data() + k * one);
    }
  }
  return out;
}

void ChunkRun::release(NodeId id) {
  patches_[id] = {};
  dense_out_[id] = Tensor();
  stacked_[id] = Tensor();
}

}  // namespace lumen::occlusion

// Cluster-CAM (Feng et al. 2023): the K feature maps of a layer are clustered into Q groups
// (K-means, or spectral clustering of a similarity graph); each cluster's representative map (the
// mean of its maps) is scored by one forward pass, y_q = S_c(x * s(Up(F_q))); the best-scoring
// cluster is the cognition base, the worst the cognition scissors, and
// L = ReLU(F_base - (1 - lambda) F_scissors), upsampled. Q forward passes after the first. The
// clustering is reported as Attribution details (docs/methods/cluster-cam.md).
#include <algorithm>
#include <cmath>
#include <limits>
#include <lumen/cam.hpp>
#include <lumen/detail/map_math.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/resample.hpp>
#include <lumen/trace.hpp>
#include <span>
#include <string>
#include <vector>

#include "kmeans.hpp"
#include "spectral.hpp"

namespace {

using lumen::cluster_cam::Points;

// Every image seeds K-means++ from this stream (not from its batch position), so a batch
// equals one-by-one calls.
constexpr std::uint64_t kmeans_stream = 0;

struct Options {
  bool spectral = false;
  int clusters = 6;
  double lambda = 0.5;
  bool scaled = true;
  int max_iterations = 100;
  lumen::cluster_cam::SpectralOptions graph;
};

// One image's clustering: labels per map and, per cluster, the weights over the K maps that
// form its representative map.
struct Clustering {
  std::vector<int> labels;
  std::vector<double> representative;  // [Q, K]
  int iterations = 0;
  bool converged = false;
  int components = 0;  // spectral only
};

Clustering cluster_maps(const float* maps, std::int64_t k, std::int64_t plane, const Options& o,
                        lumen::Context& context) {
  std::vector<double> points(static_cast<std::size_t>(k * plane));
  for (std::int64_t c = 0; c < k; ++c) {
    const float* a = maps + c * plane;
    double* out = points.data() + c * plane;
    const auto [low, high] = std::minmax_element(a, a + plane);
    const double min = o.scaled ? *low : 0.0;
    const double range = o.scaled ? static_cast<double>(*high) - *low : 1.0;
    for (std::int64_t p = 0; p < plane; ++p) out[p] = range > 0.0 ? (a[p] - min) / range : 0.0;
  }
  Points space{points.data(), k, plane};
  Clustering r;
  lumen::cluster_cam::Embedding embedding;
  if (o.spectral) {
    embedding = lumen::cluster_cam::spectral_embedding(space, o.graph);
    space = Points{embedding.coordinates.data(), k, o.graph.eigenvectors};
    r.components = embedding.components;
  }
  auto rng = context.rng(0, kmeans_stream);
  const auto km = lumen::cluster_cam::kmeans(space, o.clusters, o.max_iterations, rng);
  r.labels = km.labels;
  r.iterations = km.iterations;
  r.converged = km.converged;

  const int q = o.clusters;
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(q), 0);
  for (const int l : r.labels) ++sizes[static_cast<std::size_t>(l)];
  r.representative.assign(static_cast<std::size_t>(q * k), 0.0);
  for (std::int64_t c = 0; c < k; ++c) {
    const auto l = static_cast<std::size_t>(r.labels[static_cast<std::size_t>(c)]);
    r.representative[l * static_cast<std::size_t>(k) + static_cast<std::size_t>(c)] =
        1.0 / static_cast<double>(sizes[l]);
  }
  // An empty cluster is represented by the map nearest its centroid.
  for (int cl = 0; cl < q; ++cl) {
    if (sizes[static_cast<std::size_t>(cl)] != 0) continue;
    std::int64_t nearest = 0;
    double best = std::numeric_limits<double>::infinity();
    for (std::int64_t c = 0; c < k; ++c) {
      const double d = lumen::cluster_cam::squared_distance(
          space.row(c), km.centroids.data() + cl * space.dims, space.dims);
      if (d < best) nearest = c, best = d;
    }
    r.representative[static_cast<std::size_t>(cl * k + nearest)] = 1.0;
  }
  return r;
}

Options read_options(const lumen::Params& p, std::int64_t k, const std::string& layer) {
  Options o;
  o.spectral = p.text("clustering") == "spectral";
  // More clusters than maps is clamped (each map its own cluster), as the attribution's note says.
  o.clusters = static_cast<int>(std::min<std::int64_t>(p.integer("clusters"), k));
  o.lambda = p.real("lambda");
  o.scaled = p.text("cluster_on") == "scaled";
  o.max_iterations = static_cast<int>(p.integer("max_iterations"));
  o.graph.threshold = p.real("threshold");
  o.graph.tau = p.real("tau");
  o.graph.normalized = p.boolean("normalized_laplacian");
  const auto e = p.integer("eigenvectors");
  o.graph.eigenvectors = static_cast<int>(e == 0 ? std::max(1, o.clusters - 1) : e);
  if (o.spectral && o.graph.eigenvectors >= k) {
    throw lumen::InvalidArgument(
        "cluster-cam: eigenvectors = " + std::to_string(o.graph.eigenvectors) +
        " must be below the " + std::to_string(k) + " feature maps of layer '" + layer +
        "' (the first eigenvector is skipped)");
  }
  return o;
}

lumen::AttributionDetail detail(std::string name, std::string description, lumen::Tensor values,
                                bool images = false) {
  return {std::move(name), std::move(description), std::move(values), images};
}

class ClusterCam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    return lumen::cam_info(
        "cluster-cam",
        "feature maps clustered into Q groups, each scored by one masked forward pass; the best "
        "cluster's mean map minus a share of the worst's",
        "Z. Feng, H. Ji, M. Dakovic, X. Cui, M. Zhu, L. Stankovic. Cluster-CAM: Cluster-Weighted "
        "Visual Interpretation of CNNs' Decision in Image Classification. Neural Networks 178, "
        "2024 (arXiv:2302.01642).",
        {
            lumen::param::choice("clustering", "kmeans", {"kmeans", "spectral"},
                                 "kmeans: K-means on the maps; spectral: K-means on the spectral "
                                 "embedding of the maps' similarity graph"),
            lumen::param::integer("clusters", 6, "Q, the number of clusters (<= K maps)")
                .within(1, 1 << 16),
            lumen::param::real("lambda", 0.5,
                               "balance factor: L = F_base - (1 - lambda) F_scissors")
                .within(0.0, 1.0),
            lumen::param::choice("cluster_on", "scaled", {"scaled", "raw"},
                                 "what is clustered: each map min-max scaled to [0,1] (scaled) or "
                                 "the raw activations"),
            lumen::param::integer(
                "max_iterations", 100,
                "cap on K-means rounds (it stops earlier when no map changes cluster)")
                .within(1, 1000000),
            lumen::param::integer(
                "eigenvectors", 0,
                "spectral: E, the eigenvectors u_2..u_{E+1} used as coordinates (0: Q - 1)")
                .within(0, 1 << 16),
            lumen::param::real("threshold", 0.5,
                               "spectral: kappa; maps i, j are joined only where S_ij = "
                               "exp(-rms(F_i - F_j)) > kappa")
                .within(0.0, 1.0),
            lumen::param::real("tau", 0.1, "spectral: edge weight A_ij = exp(-(1 - S_ij) / tau)")
                .within(1e-6, 1e6),
            lumen::param::flag("normalized_laplacian", false,
                               "spectral: I - D^-1/2 A D^-1/2 instead of D - A"),
            lumen::param::mask_score(lumen::MaskScore::probability,
                                     "what scores a cluster's masked input: the target's softmax "
                                     "probability or its logit"),
            lumen::param::relu("apply ReLU to the combined map"),
            lumen::param::batch_size("masked inputs per forward pass"),
        });
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::Tensor& input = request.input;
    const lumen::NodeId layer = lumen::cam_layer(request);
    const std::string& layer_name = model.graph().node(layer).name;

    const lumen::Tensor features = lumen::node_output(model, input, layer, context);
    const auto n = features.dim(0), k = features.dim(1);
    const auto h = features.dim(2), w = features.dim(3), plane = h * w;
    const Options o = read_options(request.params, k, layer_name);
    const int q = o.clusters;

    std::vector<Clustering> clusterings(static_cast<std::size_t>(n));
    context.parallel_for(n, [&](std::int64_t s) {
      clusterings[static_cast<std::size_t>(s)] =
          cluster_maps(features.data() + s * k * plane, k, plane, o, context);
    });

    // Representative maps F_q = sum_k R[q,k] A^k, [N,Q,h,w].
    lumen::Tensor representatives({n, q, h, w});
    for (std::int64_t s = 0; s < n; ++s) {
      const auto& rep = clusterings[static_cast<std::size_t>(s)].representative;
      const std::vector<float> weights(rep.begin(), rep.end());  // [Q,K]
      for (std::int64_t cl = 0; cl < q; ++cl) {
        lumen::detail::add_weighted_maps(
            features.values().subspan(s * k * plane, k * plane),
            std::span<const float>(weights).subspan(cl * k, k),
            representatives.values().subspan((s * q + cl) * plane, plane));
      }
    }
    lumen::Tensor masks = lumen::upsample_bilinear(representatives, input.dim(2), input.dim(3));
    lumen::scale_planes_to_unit(masks);
    const lumen::Tensor scores = lumen::masked_scores(
        model, input, masks, request.targets, lumen::mask_score(request.params),
        request.params.integer("batch_size"), context);

    lumen::Tensor weights({n, k}), base({n}), scissors({n}), labels({n, k}), sizes({n, q}),
        iterations({n}), converged({n}), components({n});
    for (std::int64_t s = 0; s < n; ++s) {
      const Clustering& c = clusterings[static_cast<std::size_t>(s)];
      const float* y = scores.data() + s * q;
      // Ties go to the lower cluster number.
      const auto best = std::max_element(y, y + q) - y;
      const auto worst = std::min_element(y, y + q) - y;
      for (std::int64_t m = 0; m < k; ++m) {
        weights[s * k + m] = static_cast<float>(
            c.representative[static_cast<std::size_t>(best * k + m)] -
            (1.0 - o.lambda) * c.representative[static_cast<std::size_t>(worst * k + m)]);
        labels[s * k + m] = static_cast<float>(c.labels[static_cast<std::size_t>(m)]);
        sizes[s * q + c.labels[static_cast<std::size_t>(m)]] += 1.0F;
      }
      base[s] = static_cast<float>(best);
      scissors[s] = static_cast<float>(worst);
      iterations[s] = static_cast<float>(c.iterations);
      converged[s] = c.converged ? 1.0F : 0.0F;
      components[s] = static_cast<float>(c.components);
    }

    lumen::Attribution result =
        lumen::cam_attribution(request, layer, features, weights, request.params.boolean("relu"));
    result.notes.push_back("clustering: " + request.params.text("clustering") +
                           ", Q = " + std::to_string(q) + " of K = " + std::to_string(k) + " maps");
    if (request.params.integer("clusters") > k) {
      result.notes.push_back("clusters = " + std::to_string(request.params.integer("clusters")) +
                             " clamped to the " + std::to_string(k) + " feature maps of layer '" +
                             layer_name + "'");
    }
    auto& d = result.details;
    d.push_back(
        detail("cognition_base", "the cluster whose masked input scored highest", std::move(base)));
    d.push_back(detail("cognition_scissors", "the cluster whose masked input scored lowest",
                       std::move(scissors)));
    d.push_back(detail("cluster_scores",
                       "[Q] target score of the input masked by each cluster's map "
                       "(the 'score' parameter: probability or logit)",
                       scores));
    d.push_back(detail("cluster_sizes", "[Q] feature maps in each cluster", std::move(sizes)));
    d.push_back(detail("cluster_of_map", "[K] the cluster of each feature map", std::move(labels)));
    d.push_back(
        detail("kmeans_iterations", "K-means assignment rounds run", std::move(iterations)));
    d.push_back(detail("kmeans_converged",
                       "1 when K-means stopped because no map changed "
                       "cluster, 0 when it hit max_iterations",
                       std::move(converged)));
    if (o.spectral) {
      d.push_back(detail("graph_components", "connected components of the maps' similarity graph",
                         std::move(components)));
    }
    d.push_back(detail("cluster_masks",
                       "[Q,H,W] each cluster's mean map, upsampled and min-max scaled: the mask "
                       "its score was measured with",
                       std::move(masks), true));
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<ClusterCam>()); }

}  // namespace

LUMEN_PLUGIN("cluster-cam", "0.1.0", fill)

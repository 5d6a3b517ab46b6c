// CAM (Zhou et al. 2016), for networks ending in global average pooling + (Flatten) + linear:
// L = sum_k w^c_k A^k at the layer feeding the pooling, w^c the linear layer's row for the target.
// Signed, no ReLU (the paper's map). One forward pass, no gradients: the row is read from the
// linear layer itself as W^T e_c.
#include <lumen/cam.hpp>
#include <lumen/context.hpp>
#include <lumen/error.hpp>
#include <lumen/explainer.hpp>
#include <lumen/layer.hpp>
#include <lumen/model.hpp>
#include <lumen/plugin.hpp>
#include <lumen/propagation.hpp>
#include <lumen/trace.hpp>
#include <vector>

namespace {

class Cam final : public lumen::Explainer {
 public:
  lumen::ExplainerInfo info() const override {
    lumen::ExplainerInfo i =
        lumen::cam_info("cam",
                        "feature maps before the global average pooling weighted by the target's "
                        "row of the final linear layer",
                        "B. Zhou, A. Khosla, A. Lapedriza, A. Oliva, A. Torralba. Learning Deep "
                        "Features for Discriminative Localization. CVPR, 2016.");
    i.requirements |= lumen::requires_gap_head;
    return i;
  }

 protected:
  lumen::Attribution compute(const lumen::ExplainRequest& request,
                             lumen::Context& context) const override {
    const lumen::Model& model = request.model;
    const lumen::Graph& graph = model.graph();
    const lumen::GapHead head = lumen::gap_head(model);
    if (request.layer && *request.layer != head.features) {
      throw lumen::InvalidArgument(
          "cam works only at the layer feeding the global average "
          "pooling, '" +
          graph.node(head.features).name + "'; layer '" + graph.node(*request.layer).name +
          "' was requested");
    }
    lumen::check_spatial_layer(model, head.features);
    const lumen::Tensor features = lumen::node_output(model, request.input, head.features, context);
    const auto n = features.dim(0), k = features.dim(1);

    // Row c of W for every sample: W^T e_c, shaped like the linear layer's input [N,K].
    const lumen::Node& linear = graph.node(head.linear);
    lumen::Shape linear_input = graph.node(linear.inputs[0]).output_shape;
    linear_input[0] = n;
    const std::vector<float> ones(static_cast<std::size_t>(n), 1.0F);
    const lumen::Tensor rows = linear.layer->as_linear()->backward_with(
        lumen::one_hot_rows({n, model.class_count()}, request.targets, ones), linear_input, {},
        context.backend());

    lumen::Attribution result = lumen::cam_attribution(request, head.features, features,
                                                       rows.reshaped({n, k}), /*relu=*/false);
    return result;
  }
};

void fill(lumen::Registrar& registrar) { registrar.add_explainer(std::make_shared<Cam>()); }

}  // namespace

LUMEN_PLUGIN("cam", "0.1.0", fill)

#include "runtime/op_params.h"

#include "liteq/error.h"

namespace liteq::rt {
namespace {

Activation act(tflite::ActivationFunctionType a) { return static_cast<Activation>(a); }
Padding pad(tflite::Padding p) { return static_cast<Padding>(p); }

template <typename T>
const T* get(const tflite::OperatorT& op, tflite::BuiltinOptions type, const std::string& where) {
  if (op.builtin_options.type == tflite::BuiltinOptions::NONE) return nullptr;
  if (op.builtin_options.type != type)
    fail(ErrorKind::kInvalidModel, "{}: builtin options are {}, expected {}", where,
         tflite::EnumNameBuiltinOptions(op.builtin_options.type), tflite::EnumNameBuiltinOptions(type));
  return static_cast<const T*>(op.builtin_options.value);
}

}  // namespace

OpParams parse_op_params(int32_t code, const tflite::OperatorT& op, const std::string& where) {
  using BO = tflite::BuiltinOptions;
  switch (static_cast<tflite::BuiltinOperator>(code)) {
    case tflite::BuiltinOperator::CONV_2D: {
      ConvParams p;
      if (auto* o = get<tflite::Conv2DOptionsT>(op, BO::Conv2DOptions, where)) {
        p.padding = pad(o->padding);
        p.stride_w = o->stride_w;
        p.stride_h = o->stride_h;
        p.dilation_w = o->dilation_w_factor;
        p.dilation_h = o->dilation_h_factor;
        p.activation = act(o->fused_activation_function);
      }
      return p;
    }
    case tflite::BuiltinOperator::DEPTHWISE_CONV_2D: {
      DepthwiseConvParams p;
      if (auto* o = get<tflite::DepthwiseConv2DOptionsT>(op, BO::DepthwiseConv2DOptions, where)) {
        p.padding = pad(o->padding);
        p.stride_w = o->stride_w;
        p.stride_h = o->stride_h;
        p.dilation_w = o->dilation_w_factor;
        p.dilation_h = o->dilation_h_factor;
        p.depth_multiplier = o->depth_multiplier;
        p.activation = act(o->fused_activation_function);
      }
      return p;
    }
    case tflite::BuiltinOperator::TRANSPOSE_CONV: {
      TransposeConvParams p;
      if (auto* o = get<tflite::TransposeConvOptionsT>(op, BO::TransposeConvOptions, where)) {
        p.padding = pad(o->padding);
        p.stride_w = o->stride_w;
        p.stride_h = o->stride_h;
        p.activation = act(o->fused_activation_function);
      }
      return p;
    }
    case tflite::BuiltinOperator::AVERAGE_POOL_2D:
    case tflite::BuiltinOperator::MAX_POOL_2D: {
      PoolParams p;
      if (auto* o = get<tflite::Pool2DOptionsT>(op, BO::Pool2DOptions, where)) {
        p.padding = pad(o->padding);
        p.stride_w = o->stride_w;
        p.stride_h = o->stride_h;
        p.filter_w = o->filter_width;
        p.filter_h = o->filter_height;
        p.activation = act(o->fused_activation_function);
      }
      return p;
    }
    case tflite::BuiltinOperator::FULLY_CONNECTED: {
      FullyConnectedParams p;
      if (auto* o = get<tflite::FullyConnectedOptionsT>(op, BO::FullyConnectedOptions, where)) {
        p.activation = act(o->fused_activation_function);
        p.weights_format = static_cast<int>(o->weights_format);
        p.keep_num_dims = o->keep_num_dims;
        p.asymmetric_quantize_inputs = o->asymmetric_quantize_inputs;
      }
      return p;
    }
    case tflite::BuiltinOperator::BATCH_MATMUL: {
      BatchMatMulParams p;
      if (auto* o = get<tflite::BatchMatMulOptionsT>(op, BO::BatchMatMulOptions, where)) {
        p.adj_x = o->adj_x;
        p.adj_y = o->adj_y;
        p.asymmetric_quantize_inputs = o->asymmetric_quantize_inputs;
      }
      return p;
    }
    case tflite::BuiltinOperator::ADD: {
      ActivationParams p;
      if (auto* o = get<tflite::AddOptionsT>(op, BO::AddOptions, where)) {
        p.activation = act(o->fused_activation_function);
        p.pot_scale_int16 = o->pot_scale_int16;
      }
      return p;
    }
    case tflite::BuiltinOperator::SUB: {
      ActivationParams p;
      if (auto* o = get<tflite::SubOptionsT>(op, BO::SubOptions, where)) {
        p.activation = act(o->fused_activation_function);
        p.pot_scale_int16 = o->pot_scale_int16;
      }
      return p;
    }
    case tflite::BuiltinOperator::MUL: {
      ActivationParams p;
      if (auto* o = get<tflite::MulOptionsT>(op, BO::MulOptions, where))
        p.activation = act(o->fused_activation_function);
      return p;
    }
    case tflite::BuiltinOperator::DIV: {
      ActivationParams p;
      if (auto* o = get<tflite::DivOptionsT>(op, BO::DivOptions, where))
        p.activation = act(o->fused_activation_function);
      return p;
    }
    case tflite::BuiltinOperator::CONCATENATION: {
      ConcatenationParams p;
      if (auto* o = get<tflite::ConcatenationOptionsT>(op, BO::ConcatenationOptions, where)) {
        p.axis = o->axis;
        p.activation = act(o->fused_activation_function);
      }
      return p;
    }
    case tflite::BuiltinOperator::SOFTMAX: {
      SoftmaxParams p;
      if (auto* o = get<tflite::SoftmaxOptionsT>(op, BO::SoftmaxOptions, where)) p.beta = o->beta;
      return p;
    }
    case tflite::BuiltinOperator::RESHAPE: {
      ReshapeParams p;
      if (auto* o = get<tflite::ReshapeOptionsT>(op, BO::ReshapeOptions, where)) {
        p.has_new_shape = true;
        p.new_shape = o->new_shape;
      }
      return p;
    }
    case tflite::BuiltinOperator::MEAN:
    case tflite::BuiltinOperator::SUM:
    case tflite::BuiltinOperator::REDUCE_PROD:
    case tflite::BuiltinOperator::REDUCE_MAX:
    case tflite::BuiltinOperator::REDUCE_MIN: {
      ReducerParams p;
      if (auto* o = get<tflite::ReducerOptionsT>(op, BO::ReducerOptions, where)) p.keep_dims = o->keep_dims;
      return p;
    }
    case tflite::BuiltinOperator::SQUEEZE: {
      SqueezeParams p;
      if (auto* o = get<tflite::SqueezeOptionsT>(op, BO::SqueezeOptions, where)) p.squeeze_dims = o->squeeze_dims;
      return p;
    }
    case tflite::BuiltinOperator::SPLIT: {
      SplitParams p;
      if (auto* o = get<tflite::SplitOptionsT>(op, BO::SplitOptions, where)) p.num_splits = o->num_splits;
      return p;
    }
    case tflite::BuiltinOperator::STRIDED_SLICE: {
      StridedSliceParams p;
      if (auto* o = get<tflite::StridedSliceOptionsT>(op, BO::StridedSliceOptions, where)) {
        p.begin_mask = o->begin_mask;
        p.end_mask = o->end_mask;
        p.ellipsis_mask = o->ellipsis_mask;
        p.new_axis_mask = o->new_axis_mask;
        p.shrink_axis_mask = o->shrink_axis_mask;
        p.offset = o->offset;
      }
      return p;
    }
    case tflite::BuiltinOperator::GATHER: {
      GatherParams p;
      if (auto* o = get<tflite::GatherOptionsT>(op, BO::GatherOptions, where)) {
        p.axis = o->axis;
        p.batch_dims = o->batch_dims;
      }
      return p;
    }
    case tflite::BuiltinOperator::RESIZE_BILINEAR: {
      ResizeParams p;
      if (auto* o = get<tflite::ResizeBilinearOptionsT>(op, BO::ResizeBilinearOptions, where)) {
        p.align_corners = o->align_corners;
        p.half_pixel_centers = o->half_pixel_centers;
      }
      return p;
    }
    case tflite::BuiltinOperator::RESIZE_NEAREST_NEIGHBOR: {
      ResizeParams p;
      if (auto* o = get<tflite::ResizeNearestNeighborOptionsT>(op, BO::ResizeNearestNeighborOptions, where)) {
        p.align_corners = o->align_corners;
        p.half_pixel_centers = o->half_pixel_centers;
      }
      return p;
    }
    case tflite::BuiltinOperator::SPACE_TO_DEPTH: {
      BlockParams p;
      if (auto* o = get<tflite::SpaceToDepthOptionsT>(op, BO::SpaceToDepthOptions, where)) p.block_size = o->block_size;
      return p;
    }
    case tflite::BuiltinOperator::DEPTH_TO_SPACE: {
      BlockParams p;
      if (auto* o = get<tflite::DepthToSpaceOptionsT>(op, BO::DepthToSpaceOptions, where)) p.block_size = o->block_size;
      return p;
    }
    case tflite::BuiltinOperator::LEAKY_RELU: {
      LeakyReluParams p;
      if (auto* o = get<tflite::LeakyReluOptionsT>(op, BO::LeakyReluOptions, where)) p.alpha = o->alpha;
      return p;
    }
    case tflite::BuiltinOperator::ARG_MAX: {
      ArgMinMaxParams p;
      if (auto* o = get<tflite::ArgMaxOptionsT>(op, BO::ArgMaxOptions, where)) {
        p.has_output_type = true;
        p.output_type = static_cast<int>(o->output_type);
      }
      return p;
    }
    case tflite::BuiltinOperator::ARG_MIN: {
      ArgMinMaxParams p;
      if (auto* o = get<tflite::ArgMinOptionsT>(op, BO::ArgMinOptions, where)) {
        p.has_output_type = true;
        p.output_type = static_cast<int>(o->output_type);
      }
      return p;
    }
    case tflite::BuiltinOperator::GELU: {
      GeluParams p;
      if (auto* o = get<tflite::GeluOptionsT>(op, BO::GeluOptions, where)) p.approximate = o->approximate;
      return p;
    }
    default:
      return std::monostate{};
  }
}

}  // namespace liteq::rt

// Operator parameters as the kernels see them: plain structs filled from the model's
// builtin options by src/runtime/op_params.cc, so that kernels never include the
// flatbuffer headers. Field meanings are those of the TFLite schema's *Options tables.
#pragma once
#include <array>
#include <cstdint>
#include <variant>
#include <vector>

namespace liteq::rt {

enum class Activation : int8_t { kNone = 0, kRelu = 1, kReluN1To1 = 2, kRelu6 = 3, kTanh = 4, kSignBit = 5 };
enum class Padding : int8_t { kSame = 0, kValid = 1 };

struct ConvParams {  // CONV_2D
  Padding padding = Padding::kSame;
  int stride_w = 1, stride_h = 1;
  int dilation_w = 1, dilation_h = 1;
  Activation activation = Activation::kNone;
  // Rows and columns of zero padding (top, bottom, left, right) of a PAD the interpreter
  // folded into this op: it reads the PAD's input as if so padded. Never from a model.
  std::array<int, 4> fused_pad{};
};
struct DepthwiseConvParams {  // DEPTHWISE_CONV_2D
  Padding padding = Padding::kSame;
  int stride_w = 1, stride_h = 1;
  int dilation_w = 1, dilation_h = 1;
  int depth_multiplier = 1;  // redundant in TFLite >= 2.1: derived from the filter shape
  Activation activation = Activation::kNone;
  std::array<int, 4> fused_pad{};  // as ConvParams::fused_pad
};
struct TransposeConvParams {  // TRANSPOSE_CONV, and MediaPipe's Convolution2DTransposeBias
  Padding padding = Padding::kSame;
  int stride_w = 1, stride_h = 1;
  Activation activation = Activation::kNone;
};
struct PoolParams {  // AVERAGE_POOL_2D, MAX_POOL_2D
  Padding padding = Padding::kSame;
  int stride_w = 1, stride_h = 1;
  int filter_w = 1, filter_h = 1;
  Activation activation = Activation::kNone;
};
struct FullyConnectedParams {
  Activation activation = Activation::kNone;
  int weights_format = 0;  // 0 = DEFAULT; SHUFFLED4x16INT8 is not supported
  bool keep_num_dims = false;
  bool asymmetric_quantize_inputs = false;
};
struct BatchMatMulParams {
  bool adj_x = false, adj_y = false;
  bool asymmetric_quantize_inputs = false;
};
struct ActivationParams {  // ADD, SUB, MUL, DIV
  Activation activation = Activation::kNone;
  bool pot_scale_int16 = true;  // ADD/SUB only
};
struct ConcatenationParams {
  int axis = 0;
  Activation activation = Activation::kNone;
};
struct SoftmaxParams {
  float beta = 1.0f;
};
struct ReshapeParams {  // new_shape is used only when the shape input is absent
  bool has_new_shape = false;
  std::vector<int32_t> new_shape;
};
struct ReducerParams {  // MEAN, SUM, REDUCE_PROD, REDUCE_MAX, REDUCE_MIN
  bool keep_dims = false;
};
struct SqueezeParams {
  std::vector<int32_t> squeeze_dims;
};
struct SplitParams {
  int num_splits = 0;
};
struct StridedSliceParams {
  int begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
  bool offset = false;
};
struct GatherParams {
  int axis = 0;
  int batch_dims = 0;
};
struct ResizeParams {  // RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR
  bool align_corners = false;
  bool half_pixel_centers = false;
};
struct BlockParams {  // SPACE_TO_DEPTH, DEPTH_TO_SPACE
  int block_size = 0;
};
struct LeakyReluParams {
  float alpha = 0.0f;
};
struct ArgMinMaxParams {  // ARG_MAX, ARG_MIN
  bool has_output_type = false;  // false: the options are absent, the output tensor's type counts
  int output_type = 0;           // TensorType value (2 = INT32, 4 = INT64)
};
struct GeluParams {
  bool approximate = false;
};

using OpParams = std::variant<std::monostate, ConvParams, DepthwiseConvParams, TransposeConvParams,
                              PoolParams, FullyConnectedParams, BatchMatMulParams, ActivationParams,
                              ConcatenationParams, SoftmaxParams, ReshapeParams, ReducerParams,
                              SqueezeParams, SplitParams, StridedSliceParams, GatherParams,
                              ResizeParams, BlockParams, LeakyReluParams, ArgMinMaxParams,
                              GeluParams>;

}  // namespace liteq::rt

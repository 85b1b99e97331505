// tests for autograd/src/shape_ops.cpp: reshape, permute, transpose, slice, concat, stack,
// index_select and gather: where each number goes, where its gradient comes back, the errors.
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>

#include <vector>

using namespace ag;

namespace {
// x[i, j] = 10 i + j
Tensor grid(int64_t rows, int64_t cols, bool requires_grad = false) {
  std::vector<double> v;
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) v.push_back(static_cast<double>(10 * i + j));
  return tensor(v, {rows, cols}, requires_grad);
}
}  // namespace

TEST_CASE("reshape keeps the numbers and infers one -1 axis", "[shape_ops][ops]") {
  Tensor x = grid(2, 6);
  Tensor r = reshape(x, {3, -1});
  CHECK(shape_str(r.shape()) == "[3, 4]");
  CHECK(r.to_vector() == x.to_vector());
  CHECK(shape_str(reshape(x, {-1}).shape()) == "[12]");
  CHECK(shape_str(reshape(Tensor(2.0), {1, 1}).shape()) == "[1, 1]");
  CHECK(shape_str(reshape(zeros({1, 1}), {}).shape()) == "[]");
}

TEST_CASE("reshape errors name the shapes", "[shape_ops][ops][errors]") {
  Tensor x = zeros({2, 3});
  CHECK_THROWS_AS(reshape(x, {4}), ShapeError);
  CHECK_THROWS_WITH(reshape(x, {4}), Catch::Contains("reshape") && Catch::Contains("[2, 3]") &&
                                         Catch::Contains("[4]"));
  CHECK_THROWS_AS(reshape(x, {4, -1}), ShapeError);  // 6 is not a multiple of 4
  CHECK_THROWS_AS(reshape(x, {-1, -1}), ValueError);
  CHECK_THROWS_AS(reshape(x, {-2, -3}), ValueError);
}

TEST_CASE("permute and transpose move axes, and gradients move back", "[shape_ops][ops]") {
  Tape tape;
  Tensor x = grid(2, 3, true);
  Tensor t = transpose(x);
  CHECK(shape_str(t.shape()) == "[3, 2]");
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) CHECK(t.at({j, i}) == x.at({i, j}));
  Tensor w = grid(3, 2);
  sum(mul(t, w)).backward();
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) CHECK(x.grad().at({i, j}) == w.at({j, i}));

  Tensor y = reshape(arange(0, 24), {2, 3, 4});
  Tensor p = permute(y, {2, 0, 1});
  CHECK(shape_str(p.shape()) == "[4, 2, 3]");
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 4; ++c) CHECK(p.at({c, a, b}) == y.at({a, b, c}));
  CHECK(permute(y, {0, 1, 2}).to_vector() == y.to_vector());
}

TEST_CASE("permute and transpose reject bad axes", "[shape_ops][ops][errors]") {
  Tensor y = zeros({2, 3, 4});
  CHECK_THROWS_AS(permute(y, {0, 1}), IndexError);
  CHECK_THROWS_WITH(permute(y, {0, 1}), Catch::Contains("permute") && Catch::Contains("[2, 3, 4]"));
  CHECK_THROWS_AS(permute(y, {0, 0, 1}), IndexError);
  CHECK_THROWS_WITH(permute(y, {0, 0, 1}), Catch::Contains("repeats"));
  CHECK_THROWS_AS(permute(y, {0, 1, 3}), IndexError);
  CHECK_THROWS_AS(transpose(zeros({3})), IndexError);
  CHECK_THROWS_AS(transpose(y, 0, 3), IndexError);
}

TEST_CASE("slice copies a range and its gradient is zero elsewhere", "[shape_ops][ops]") {
  Tape tape;
  Tensor x = grid(3, 5, true);
  Tensor s = slice(x, 1, 1, 4);
  CHECK(shape_str(s.shape()) == "[3, 3]");
  CHECK(s.at({2, 0}) == x.at({2, 1}));
  CHECK(slice(x, 1, -3, -1).to_vector() == slice(x, 1, 2, 4).to_vector());
  CHECK(shape_str(slice(x, 0, 1, 1).shape()) == "[0, 5]");
  sum(s).backward();
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t j = 0; j < 5; ++j) CHECK(x.grad().at({i, j}) == ((j >= 1 && j < 4) ? 1.0 : 0.0));
}

TEST_CASE("slice clamps its bounds and gives an empty slice as Python's x[start:end]",
          "[shape_ops][ops]") {
  // torch: x = torch.arange(15.).reshape(3, 5); x[:, 2:6] is x[:, 2:5], x[-4:2] is x[0:2],
  // x[:, 3:2] and x[:, 7:9] are [3, 0] (aten::slice clamps; narrow would throw instead).
  Tape tape;
  Tensor x = grid(3, 5, true);
  CHECK(slice(x, 1, 2, 6).to_vector() == slice(x, 1, 2, 5).to_vector());
  CHECK(slice(x, 0, -4, 2).to_vector() == slice(x, 0, 0, 2).to_vector());
  CHECK(slice(x, 1, -100, 100).to_vector() == x.to_vector());
  CHECK(shape_str(slice(x, 1, 3, 2).shape()) == "[3, 0]");
  CHECK(shape_str(slice(x, 1, 7, 9).shape()) == "[3, 0]");
  CHECK(shape_str(slice(x, -1, -1, -3).shape()) == "[3, 0]");
  // An empty slice is an op like any other: its gradient is zero everywhere.
  sum(slice(x, 1, 3, 2)).backward();
  CHECK(x.grad().to_vector() == std::vector<double>(15, 0.0));
}

TEST_CASE("slice rejects axes outside the tensor", "[shape_ops][ops][errors]") {
  Tensor x = zeros({3, 5});
  CHECK_THROWS_AS(slice(x, 2, 0, 1), IndexError);
  CHECK_THROWS_WITH(slice(x, 2, 0, 1), Catch::Contains("slice") && Catch::Contains("axis 2"));
  CHECK_THROWS_AS(slice(scalar(1.0), 0, 0, 1), IndexError);  // as torch: no slice of a 0-d tensor
}

TEST_CASE("concat and stack lay tensors side by side", "[shape_ops][ops]") {
  Tape tape;
  Tensor a = grid(2, 3, true);
  Tensor b = grid(2, 1, true);
  Tensor c = concat({a, b, a}, 1);
  CHECK(shape_str(c.shape()) == "[2, 7]");
  CHECK(c.at({1, 2}) == a.at({1, 2}));
  CHECK(c.at({1, 3}) == b.at({1, 0}));
  CHECK(c.at({1, 6}) == a.at({1, 2}));
  Tensor w = reshape(arange(1, 15), {2, 7});
  sum(mul(c, w)).backward();
  // a appears twice: at columns 0..2 and 4..6, and both gradients add up
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j) CHECK(a.grad().at({i, j}) == w.at({i, j}) + w.at({i, j + 4}));
  CHECK(b.grad().at({1, 0}) == w.at({1, 3}));

  Tensor s = stack({grid(2, 3), grid(2, 3)}, -1);
  CHECK(shape_str(s.shape()) == "[2, 3, 2]");
  CHECK(shape_str(stack({grid(2, 3)}, 0).shape()) == "[1, 2, 3]");
  CHECK(shape_str(stack({zeros({}), zeros({})}, 0).shape()) == "[2]");
}

TEST_CASE("concat and stack reject shapes that do not fit", "[shape_ops][ops][errors]") {
  CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({2, 4})}, 0), ShapeError);
  CHECK_THROWS_WITH(concat({zeros({2, 3}), zeros({2, 4})}, 0), Catch::Contains("concat") &&
                                                                   Catch::Contains("[2, 4]") &&
                                                                   Catch::Contains("[2, 3]"));
  CHECK_THROWS_AS(concat({zeros({2, 3}), zeros({3})}, 0), ShapeError);
  CHECK_THROWS_AS(stack({zeros({2, 3}), zeros({3, 2})}, 0), ShapeError);
  CHECK_THROWS_WITH(stack({zeros({2, 3}), zeros({3, 2})}, 0), Catch::Contains("stack"));
  CHECK_THROWS_AS(concat({zeros({2})}, 1), IndexError);
  CHECK_THROWS_AS(concat({}, 0), ValueError);
}

TEST_CASE("index_select with a repeated index adds up its gradients", "[shape_ops][ops]") {
  Tape tape;
  Tensor x = grid(3, 2, true);
  Tensor r = index_select(x, 0, {2, 0, 2});
  CHECK(shape_str(r.shape()) == "[3, 2]");
  CHECK(r.at({0, 1}) == x.at({2, 1}));
  CHECK(r.at({1, 0}) == x.at({0, 0}));
  CHECK(r.at({2, 1}) == x.at({2, 1}));
  CHECK(shape_str(index_select(x, 1, {}).shape()) == "[3, 0]");
  sum(r).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{1, 1, 0, 0, 2, 2});
}

TEST_CASE("index_select rejects an index out of range", "[shape_ops][ops][errors]") {
  Tensor x = zeros({3, 2});
  CHECK_THROWS_AS(index_select(x, 0, {0, 3}), IndexError);
  CHECK_THROWS_WITH(index_select(x, 0, {0, 3}), Catch::Contains("index_select") &&
                                                    Catch::Contains("index 3") &&
                                                    Catch::Contains("[3, 2]"));
  CHECK_THROWS_AS(index_select(x, 1, {-1}), IndexError);
  CHECK_THROWS_AS(index_select(x, 2, {0}), IndexError);
}

TEST_CASE("gather reads along an axis and scatters its gradient back", "[shape_ops][ops]") {
  Tape tape;
  Tensor x = grid(2, 3, true);
  Tensor index = tensor({2, 2, 0, 1}, {2, 2});
  Tensor g = gather(x, 1, index);  // g[i, j] = x[i, index[i, j]]
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 2; ++j)
      CHECK(g.at({i, j}) == x.at({i, static_cast<int64_t>(index.at({i, j}))}));
  sum(g).backward();
  CHECK(x.grad().to_vector() == std::vector<double>{0, 0, 2, 1, 1, 0});
}

TEST_CASE("gather rejects bad indices and shapes", "[shape_ops][ops][errors]") {
  Tensor x = zeros({2, 3});
  CHECK_THROWS_AS(gather(x, 1, tensor({3}, {1, 1})), IndexError);
  CHECK_THROWS_WITH(gather(x, 1, tensor({3}, {1, 1})),
                    Catch::Contains("gather") && Catch::Contains("[2, 3]"));
  CHECK_THROWS_AS(gather(x, 1, tensor({-1}, {1, 1})), IndexError);
  CHECK_THROWS_AS(gather(x, 1, tensor({0.5}, {1, 1})), IndexError);
  CHECK_THROWS_AS(gather(x, 1, tensor({0, 0, 0}, {3, 1})), ShapeError);  // 3 rows > 2
  CHECK_THROWS_AS(gather(x, 1, tensor({0, 0}, {2})), ShapeError);        // rank 1 != 2
  CHECK_THROWS_AS(gather(x, 2, tensor({0}, {1, 1})), IndexError);
}

TEST_CASE("reshape and concat check their sizes for overflow", "[shape_ops][errors]") {
  Tensor empty = zeros({0});
  CHECK_THROWS_AS(reshape(empty, {1LL << 40, 1LL << 40, 0}), ShapeError);
  CHECK_THROWS_AS(reshape(empty, {-1, 1LL << 62, 1LL << 62}), Error);
  Tensor wide = zeros({1LL << 55, 0});
  CHECK_THROWS_WITH(concat({wide, wide, wide}, 0), Catch::Contains("concat"));
}

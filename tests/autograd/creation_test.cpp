// tests for autograd/src/creation.cpp: zeros, ones, full, *_like, scalar, tensor, arange.
#include <catch2/catch.hpp>

#include <autograd/autograd.hpp>

#include <vector>

using namespace ag;

TEST_CASE("zeros, ones and full fill a shape", "[creation]") {
  Tensor z = zeros({2, 3});
  CHECK(shape_str(z.shape()) == "[2, 3]");
  CHECK(z.to_vector() == std::vector<double>(6, 0.0));
  CHECK(ones({4}).to_vector() == std::vector<double>(4, 1.0));
  CHECK(full({2, 2}, -1.5).to_vector() == std::vector<double>(4, -1.5));
  CHECK(zeros({0, 3}).numel() == 0);
  CHECK(zeros({}).numel() == 1);  // a scalar
  CHECK(zeros_like(z).shape() == z.shape());
  CHECK(ones_like(z).to_vector() == std::vector<double>(6, 1.0));
}

TEST_CASE("created tensors are leaves, parameters when asked", "[creation]") {
  Tensor p = zeros({2}, true);
  CHECK(p.is_leaf());
  CHECK(p.requires_grad());
  CHECK_FALSE(ones({2}).requires_grad());
  CHECK_FALSE(zeros_like(p).requires_grad());  // a fresh constant, not a copy of the flag
  Tensor s = scalar(2.0, true);
  CHECK(s.shape().empty());
  CHECK(s.item() == 2.0);
  CHECK(s.requires_grad());
  Tensor t = tensor({1, 2, 3, 4}, {2, 2}, true);
  CHECK(t.at({1, 0}) == 3);
  CHECK(t.requires_grad());
  CHECK(t.tape_id() == 0);
}

TEST_CASE("arange counts from start up to, not including, end", "[creation]") {
  CHECK(arange(0, 5).to_vector() == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(arange(1, 2, 0.25).to_vector() == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(arange(3, 0, -1).to_vector() == std::vector<double>{3, 2, 1});
  CHECK(arange(0, 0).numel() == 0);
  CHECK(arange(5, 0).numel() == 0);  // wrong direction: empty, as in PyTorch
  CHECK(shape_str(arange(0, 3).shape()) == "[3]");
}

TEST_CASE("creation rejects negative sizes and bad ranges", "[creation][errors]") {
  CHECK_THROWS_AS(zeros({2, -1}), ValueError);
  CHECK_THROWS_WITH(zeros({2, -1}), Catch::Contains("[2, -1]"));
  CHECK_THROWS_AS(ones({-3}), ValueError);
  CHECK_THROWS_AS(full({-1}, 2.0), ValueError);
  CHECK_THROWS_AS(arange(0, 1, 0), ValueError);
  CHECK_THROWS_WITH(arange(0, 1, 0), Catch::Contains("arange"));
  CHECK_THROWS_AS(tensor({1, 2, 3}, {2, 2}), ShapeError);
}

TEST_CASE("sizes past what a tensor may hold are a ShapeError naming the op and the shape",
          "[creation][errors]") {
  // Unchecked, the first made a tensor of 2^61 elements backed by a buffer of a few bytes, and
  // arange a shape of [-9223372036854775808].
  CHECK_THROWS_AS(ones({1LL << 61}), ShapeError);
  CHECK_THROWS_WITH(zeros({1LL << 62, 4}),
                    Catch::Contains("full") && Catch::Contains("[4611686018427387904, 4]"));
  CHECK_THROWS_WITH(arange(0, 1e300), Catch::Contains("arange") && Catch::Contains("1e+300"));
  CHECK_THROWS_AS(tensor({}, {1LL << 62, 4}), ShapeError);
  CHECK(zeros({3, 0}).numel() == 0);
}

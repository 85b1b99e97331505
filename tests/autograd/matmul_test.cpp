// tests for autograd/src/matmul.cpp: the BLAS path against the plain triple loop, the matmul op
// on batched, thin and empty shapes, and its errors.
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <autograd/autograd.hpp>

#include <cmath>
#include <tuple>
#include <vector>

#include "fast_vs_reference.hpp"

using namespace ag;
using fast_vs_reference::random_values;
using fast_vs_reference::worst_difference;

TEST_CASE("matmul_blas equals matmul_reference on random shapes", "[matmul][ops]") {
  Generator gen(11);
  // fixed thin and empty shapes, then random ones
  std::vector<std::tuple<int64_t, int64_t, int64_t>> shapes = {{1, 1, 1},   {1, 7, 5}, {6, 4, 1},
                                                               {1, 9, 1},   {8, 1, 3}, {0, 3, 4},
                                                               {3, 0, 4},   {3, 4, 0}, {0, 0, 0},
                                                               {33, 17, 29}};
  for (int i = 0; i < 20; ++i)
    shapes.emplace_back(1 + gen.randint(40), 1 + gen.randint(40), 1 + gen.randint(40));
  for (const auto& [m, k, n] : shapes) {
    INFO(fmt::format("[{}, {}] @ [{}, {}]", m, k, k, n));
    const auto a = random_values(m * k, gen), b = random_values(k * n, gen);
    // start C with garbage: both must overwrite it, also when k = 0
    std::vector<double> c_ref(static_cast<size_t>(m * n), 123.0), c_blas(c_ref);
    matmul_reference(a.data(), b.data(), c_ref.data(), m, k, n);
    matmul_blas(a.data(), b.data(), c_blas.data(), m, k, n);
    CHECK(worst_difference(c_blas, c_ref) <= 1e-12);
    if (k == 0) {
      for (double v : c_blas) CHECK(v == 0.0);
    }
  }
}

TEST_CASE("matmul of M x K by K x N matrices, and batched B x M x K by K x N", "[matmul][ops]") {
  Generator gen(12);
  Tensor a = normal({2, 3, 4}, 0, 1, gen);
  Tensor b = normal({4, 5}, 0, 1, gen);
  Tensor c = matmul(a, b);
  CHECK(shape_str(c.shape()) == "[2, 3, 5]");
  // each batch is a 2-D product of its own
  for (int64_t batch = 0; batch < 2; ++batch) {
    Tensor one = matmul(reshape(slice(a, 0, batch, batch + 1), {3, 4}), b);
    Tensor part = reshape(slice(c, 0, batch, batch + 1), {3, 5});
    CHECK(worst_difference(part.to_vector(), one.to_vector()) <= 1e-14);
  }
  CHECK(shape_str(matmul(zeros({1, 3}), zeros({3, 1})).shape()) == "[1, 1]");
  CHECK(shape_str(matmul(zeros({4, 1}), zeros({1, 6})).shape()) == "[4, 6]");
}

TEST_CASE("matmul gradients are grad @ other^T and self^T @ grad", "[matmul][ops]") {
  Generator gen(13);
  Tape tape;
  Tensor a = normal({2, 3}, 0, 1, gen, true);
  Tensor b = normal({3, 4}, 0, 1, gen, true);
  Tensor w = normal({2, 4}, 0, 1, gen);
  sum(mul(matmul(a, b), w)).backward();
  // d a[i, p] = sum_j w[i, j] b[p, j];  d b[p, j] = sum_i a[i, p] w[i, j]
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t p = 0; p < 3; ++p) {
      double expect = 0;
      for (int64_t j = 0; j < 4; ++j) expect += w.at({i, j}) * b.at({p, j});
      CHECK(a.grad().at({i, p}) == Approx(expect).epsilon(1e-13));
    }
  for (int64_t p = 0; p < 3; ++p)
    for (int64_t j = 0; j < 4; ++j) {
      double expect = 0;
      for (int64_t i = 0; i < 2; ++i) expect += a.at({i, p}) * w.at({i, j});
      CHECK(b.grad().at({p, j}) == Approx(expect).epsilon(1e-13));
    }
}

TEST_CASE("matmul on empty shapes gives empty or zero results and gradients", "[matmul][ops]") {
  Tape tape;
  SECTION("no rows: [0,3] @ [3,4]") {
    Tensor a = zeros({0, 3}, true);
    Tensor b = ones({3, 4}, true);
    Tensor c = matmul(a, b);
    CHECK(shape_str(c.shape()) == "[0, 4]");
    sum(c).backward();
    CHECK(a.grad().numel() == 0);
    for (double g : b.grad().to_vector()) CHECK(g == 0.0);  // no row used b
  }
  SECTION("nothing to sum over: [2,0] @ [0,3] is a zero matrix") {
    Tensor a = zeros({2, 0}, true);
    Tensor b = zeros({0, 3}, true);
    Tensor c = matmul(a, b);
    CHECK(shape_str(c.shape()) == "[2, 3]");
    for (double v : c.data()) CHECK(v == 0.0);
    sum(c).backward();
    CHECK(shape_str(a.grad().shape()) == "[2, 0]");
    CHECK(shape_str(b.grad().shape()) == "[0, 3]");
  }
  SECTION("no columns: [2,3] @ [3,0]") {
    Tensor a = ones({2, 3}, true);
    Tensor b = zeros({3, 0}, true);
    Tensor c = matmul(a, b);
    CHECK(shape_str(c.shape()) == "[2, 0]");
    sum(c).backward();
    for (double g : a.grad().to_vector()) CHECK(g == 0.0);
  }
  SECTION("empty batch: [0,2,3] @ [3,4]") {
    Tensor c = matmul(zeros({0, 2, 3}), zeros({3, 4}));
    CHECK(shape_str(c.shape()) == "[0, 2, 4]");
  }
}

TEST_CASE("matmul names both shapes when they do not fit", "[matmul][ops][errors]") {
  CHECK_THROWS_AS(matmul(zeros({2, 3}), zeros({4, 5})), ShapeError);
  CHECK_THROWS_WITH(matmul(zeros({2, 3}), zeros({4, 5})), Catch::Contains("matmul") &&
                                                              Catch::Contains("[2, 3]") &&
                                                              Catch::Contains("[4, 5]"));
  CHECK_THROWS_AS(matmul(zeros({3}), zeros({3, 2})), ShapeError);  // 1-d not supported
  CHECK_THROWS_AS(matmul(zeros({2, 3}), zeros({3})), ShapeError);
  CHECK_THROWS_AS(matmul(zeros({2, 3, 4}), zeros({2, 4, 5})), ShapeError);  // batched other
  CHECK_THROWS_WITH(matmul(zeros({2, 3, 4}), zeros({3, 5})), Catch::Contains("[2, 3, 4]"));
}

TEST_CASE("addmm is add and matmul in one node, with the same numbers and gradients",
          "[matmul][ops]") {
  Generator gen(5);
  Tensor b = normal({4}, 0.0, 1.0, gen, true);  // a bias row, broadcast over 3 rows
  Tensor x = normal({3, 2}, 0.0, 1.0, gen, true);
  Tensor w = normal({2, 4}, 0.0, 1.0, gen, true);
  const Tensor r = normal({3, 4}, 0.0, 1.0, gen);  // a fixed random weighting for the loss
  std::vector<double> fused, apart, fused_grads, apart_grads;
  for (bool one_node : {true, false}) {
    for (Tensor* p : {&b, &x, &w}) p->zero_grad();
    Tape tape;
    Tensor y = one_node ? addmm(b, x, w) : add(b, matmul(x, w));
    sum(mul(y, r)).backward();
    CHECK(tape.size() == (one_node ? 7u : 8u));  // 3 leaves, r, (addmm | matmul + add), mul, sum
    auto& values = one_node ? fused : apart;
    auto& grads = one_node ? fused_grads : apart_grads;
    values = y.to_vector();
    for (const Tensor& p : {b, x, w}) {
      for (double g : p.grad_data()) grads.push_back(g);
    }
  }
  REQUIRE(fused.size() == apart.size());
  for (size_t i = 0; i < fused.size(); ++i) CHECK(fused[i] == Approx(apart[i]).margin(1e-14));
  REQUIRE(fused_grads.size() == apart_grads.size());
  for (size_t i = 0; i < fused_grads.size(); ++i) {
    CHECK(fused_grads[i] == Approx(apart_grads[i]).margin(1e-14));
  }
}

TEST_CASE("addmm names the shapes that do not fit", "[matmul][ops][errors]") {
  CHECK_THROWS_WITH(addmm(zeros({4}), zeros({3, 2}), zeros({5, 4})),
                    Catch::Contains("addmm") && Catch::Contains("[3, 2]") &&
                        Catch::Contains("[5, 4]"));
  CHECK_THROWS_AS(addmm(zeros({4}), zeros({2}), zeros({2, 4})), ShapeError);  // 1-d mat1
  // self must broadcast to the product's shape [3, 4]
  CHECK_THROWS_WITH(addmm(zeros({5}), zeros({3, 2}), zeros({2, 4})), Catch::Contains("addmm") &&
                                                                         Catch::Contains("[5]") &&
                                                                         Catch::Contains("[3, 4]"));
  CHECK_THROWS_AS(addmm(zeros({2, 3, 4}), zeros({3, 2}), zeros({2, 4})), ShapeError);
  CHECK_THROWS_AS(addmm(Tensor(), zeros({3, 2}), zeros({2, 4})), Error);
}

TEST_CASE("matmul of empty operands checks the size of its product", "[matmul][errors]") {
  // [M, 0] @ [0, N] holds no numbers, but its [M, N] product would hold 2^80.
  Tensor a = zeros({1LL << 40, 0}), b = zeros({0, 1LL << 40});
  CHECK_THROWS_WITH(matmul(a, b), Catch::Contains("matmul") && Catch::Contains("more elements"));
  CHECK_THROWS_WITH(addmm(scalar(0.0), a, b), Catch::Contains("addmm"));
}

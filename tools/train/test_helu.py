"""Unit tests for HeLU and the data pipeline. Run: /usr/bin/python3 -m unittest discover tools/train"""
import os
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from helu import HeLU, HeLUFunction, helu  # noqa: E402


class TestHeLU(unittest.TestCase):
    def test_forward_is_relu_bitwise(self):
        torch.manual_seed(0)
        z = torch.randn(1000, dtype=torch.float32) * 3
        z[:5] = torch.tensor([0.0, -0.0, 1e-30, -1e-30, -0.01])
        self.assertTrue(torch.equal(helu(z, 0.05), torch.relu(z)))
        m = HeLU(0.05)
        self.assertTrue(torch.equal(m(z.clone().requires_grad_()).detach(), torch.relu(z)))

    def test_gradient_matches_definition(self):
        for alpha in (0.001, 0.01, 0.05, 0.1):
            z = torch.tensor([-1.0, -2 * alpha, -alpha, -alpha * 0.999, -alpha / 2, -1e-7, 0.0, 1e-7, 0.5, 3.0],
                             dtype=torch.float64, requires_grad=True)
            g = torch.autograd.grad(helu(z, alpha).sum(), z)[0]
            expected = torch.tensor([1.0 if v > -alpha else 0.0 for v in z.detach().tolist()], dtype=torch.float64)
            self.assertTrue(torch.equal(g, expected), (alpha, g, expected))
            # explicitly: 1 on (-alpha, 0], 0 at or below -alpha, 1 above 0
            self.assertEqual(g[2].item(), 0.0)   # z == -alpha: not > -alpha
            self.assertEqual(g[4].item(), 1.0)   # inside the hysteresis band
            self.assertEqual(g[6].item(), 1.0)   # z == 0
            self.assertEqual(g[0].item(), 0.0)

    def test_gradient_scales_upstream(self):
        z = torch.tensor([-0.02, -0.2, 0.3], dtype=torch.float64, requires_grad=True)
        up = torch.tensor([2.0, 3.0, -4.0], dtype=torch.float64)
        g = torch.autograd.grad(helu(z, 0.05), z, grad_outputs=up)[0]
        self.assertTrue(torch.equal(g, torch.tensor([2.0, 0.0, -4.0], dtype=torch.float64)))

    def test_finite_differences_away_from_kink(self):
        # For z > 0 the derivative is 1, for z < -alpha it is 0: both agree with finite differences
        # of the forward. (In (-alpha, 0] HeLU deliberately disagrees with the forward's derivative.)
        torch.manual_seed(1)
        alpha = 0.05
        z = torch.cat([torch.rand(50, dtype=torch.float64) + 0.01, -(torch.rand(50, dtype=torch.float64) + alpha + 0.01)])
        w = torch.randn(100, dtype=torch.float64)
        zz = z.clone().requires_grad_()
        g = torch.autograd.grad((helu(zz, alpha) * w).sum(), zz)[0]
        eps = 1e-6
        for i in range(len(z)):
            zp, zm = z.clone(), z.clone()
            zp[i] += eps
            zm[i] -= eps
            fd = ((torch.relu(zp) * w).sum() - (torch.relu(zm) * w).sum()) / (2 * eps)
            self.assertAlmostEqual(g[i].item(), fd.item(), places=6)

    def test_gradcheck_away_from_kink(self):
        z = torch.tensor([0.3, 1.2, -0.7, -2.0], dtype=torch.float64, requires_grad=True)
        self.assertTrue(torch.autograd.gradcheck(lambda t: HeLUFunction.apply(t, 0.05), (z,)))

    def test_alpha_zero_is_relu_gradient_except_at_zero(self):
        z = torch.tensor([-1.0, -1e-6, 1e-6, 1.0], dtype=torch.float64, requires_grad=True)
        g = torch.autograd.grad(helu(z, 0.0).sum(), z)[0]
        g2 = torch.autograd.grad(torch.relu(z).sum(), z)[0]
        self.assertTrue(torch.equal(g, g2))

    def test_module_in_network(self):
        torch.manual_seed(0)
        lin = torch.nn.Linear(4, 3)
        m = HeLU(0.5)
        x = torch.randn(8, 4)
        pre = lin(x)
        out = m(pre)
        out.sum().backward()
        mask = (pre.detach() > -0.5).to(torch.float32)
        self.assertTrue(torch.allclose(lin.bias.grad, mask.sum(0)))


class TestData(unittest.TestCase):
    def test_split_and_stats(self):
        import data
        if not os.path.exists(os.path.join(data.DATA_DIR, "train-images-idx3-ubyte.gz")):
            self.skipTest("dataset-fashion-mnist not installed")
        vi, ti = data.val_indices()
        self.assertEqual(len(vi), 5000)
        self.assertEqual(len(ti), 55000)
        self.assertEqual(len(set(vi.tolist()) & set(ti.tolist())), 0)
        mean, std = data.compute_stats()
        self.assertAlmostEqual(mean, data.INPUT_MEAN, places=3)
        self.assertAlmostEqual(std, data.INPUT_STD, places=3)


if __name__ == "__main__":
    unittest.main()

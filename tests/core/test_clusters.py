"""Grouping pins that would overlap on screen (`core.geo.clusters`)."""

from __future__ import annotations

import random

from directory_app.core.geo.clusters import cluster_points


def test_points_closer_than_a_cell_share_a_cluster_and_far_ones_do_not():
    points = [(1, 0.0, 0.0), (2, 3.0, 1.0), (3, 100.0, 100.0)]
    clusters = cluster_points(points, cell=10.0)
    assert [c.ids for c in clusters] == [(1, 2), (3,)]
    assert (clusters[0].x, clusters[0].y) == (1.5, 0.5)


def test_neighbours_across_a_cell_border_are_merged():
    clusters = cluster_points([(1, 9.9, 5.0), (2, 10.1, 5.0)], cell=10.0)
    assert [c.ids for c in clusters] == [(1, 2)]


def test_a_smaller_cell_splits_a_cluster():
    points = [(1, 0.0, 0.0), (2, 3.0, 0.0)]
    assert len(cluster_points(points, cell=10.0)) == 1
    assert len(cluster_points(points, cell=1.0)) == 2


def test_every_point_is_in_exactly_one_cluster():
    rng = random.Random(7)
    points = [(i, rng.uniform(0, 500), rng.uniform(0, 300)) for i in range(2000)]
    clusters = cluster_points(points, cell=12.0)
    ids = sorted(pid for c in clusters for pid in c.ids)
    assert ids == list(range(2000))
    assert 1 < len(clusters) < 2000


def test_zero_cell_leaves_every_point_alone():
    assert len(cluster_points([(1, 0.0, 0.0), (2, 0.0, 0.0)], cell=0.0)) == 2

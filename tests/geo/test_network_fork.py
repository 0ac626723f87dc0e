"""A forked child runs NetworKit searches after its parent has used OpenMP threads.

libgomp's thread pool belongs to the parent: a child that starts a parallel team waits for threads that
do not exist (a job child of a server that had routed before hung for 240 s in CI). The job runner calls
``single_threaded_after_fork`` in every child; here a parent runs an all-pairs search, then a child does too.
"""

import multiprocessing

import networkit as nk

from geo.network import single_threaded_after_fork


def _graph() -> nk.Graph:
    graph = nk.generators.ErdosRenyiGenerator(1500, 0.005, directed=True).generate()
    return nk.Graph(graph, weighted=True, directed=True)


def _child(graph, done) -> None:
    single_threaded_after_fork()
    search = nk.distance.APSP(graph)
    search.run()
    done.value = 1


def test_a_forked_child_searches_after_the_parent_used_openmp():
    graph = _graph()
    nk.distance.APSP(graph).run()  # the parent's OpenMP pool is alive from here on
    context = multiprocessing.get_context("fork")
    done = context.Value("i", 0)
    child = context.Process(target=_child, args=(graph, done))
    child.start()
    child.join(30)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung and child.exitcode == 0 and done.value == 1

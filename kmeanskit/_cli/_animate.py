"""``kmeanskit animate``: Lloyd's algorithm as a GIF or an HTML page."""

from pathlib import Path

from ._common import (
    CliError,
    add_data_command,
    add_seed,
    check_writable,
    demo_or_file,
    positive_int,
    pyplot,
)

ANIMATE_HELP = """\
Run Lloyd's algorithm (kmeanskit.kmeans2 with trace=True) and draw one frame
for the start and one per iteration: the observations coloured by their
nearest centroid, the centroids with the path each has travelled, and their
Voronoi cells.  Data with more than two features is drawn on its first two
principal components.  Without DATA, animate the built-in 3x3 grid of blobs
into 9 clusters from 9 random observations, a start that often ends in a
local optimum.

The output's extension picks the format: .gif (needs Pillow) or .html (a page
with player controls).
"""

ANIMATE_EXAMPLES = """\
examples:
  kmeanskit animate                                # writes lloyd.gif
  kmeanskit animate -o lloyd.html --iter 15 --seed 3
  kmeanskit animate points.csv -k 4 --minit ++ -o points.gif
"""

FORMATS = (".gif", ".html")


def add_animate(subparsers, formatter):
    p = add_data_command(
        subparsers, formatter, "animate", run=run_animate,
        help="draw Lloyd's iterations as an animation",
        description=ANIMATE_HELP, epilog=ANIMATE_EXAMPLES, with_k=True)
    p.add_argument("--iter", type=positive_int, default=10, metavar="N",
                   help="Lloyd iterations, one frame each (default: 10)")
    p.add_argument("--minit", "--init", dest="minit",
                   choices=("points", "++", "greedy++", "random", "||"),
                   default="points",
                   help="initialization (default: points, k observations at random)")
    p.add_argument("--interval", type=positive_int, default=600, metavar="MS",
                   help="milliseconds between frames (default: 600)")
    add_seed(p)
    p.add_argument("-o", "--output", type=Path, default=Path("lloyd.gif"),
                   metavar="FILE", help="where to write it, .gif or .html "
                                        "(default: lloyd.gif)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    return p


def run_animate(args):
    data, _, source, k = demo_or_file(args)
    suffix = args.output.suffix.lower()
    if suffix not in FORMATS:
        raise CliError(f"-o/--output {args.output}: expected a .gif or .html file "
                       f"name, got {suffix or '(no extension)'!r}")
    check_writable(args.output, "-o/--output")
    if suffix == ".gif":
        try:
            import PIL  # noqa: F401 - matplotlib's GIF writer needs it
        except ImportError:
            raise CliError(f"-o/--output {args.output}: a GIF needs Pillow: "
                           'pip install "kmeanskit[plot]" (or write .html)') from None
    plt = pyplot()
    from ..plotting import animate_lloyd

    anim = animate_lloyd(data, k, max_iter=args.iter, init=args.minit, rng=args.seed,
                         interval=args.interval)
    try:
        if suffix == ".gif":
            anim.save(args.output, writer="pillow")
        else:
            args.output.write_text(anim.to_jshtml())
    except OSError as exc:
        raise CliError(f"-o/--output {args.output}: {exc.strerror or exc}") from None
    finally:
        plt.close("all")
    if not args.quiet:
        print(f"kmeanskit animate: {args.iter} iterations of k = {k} on {source} "
              f"written to {args.output}")
    return 0

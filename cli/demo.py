"""``patrol demo``: the main job on the embedded default city."""

import click

from cli.city import summary_text
from cli.main import Reporter, emit, reports_errors

__all__ = ["demo"]


@click.command()
@click.option("--city", "name", default="chengdu", show_default=True, help="City profile name (slug).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@reports_errors
def demo(name: str, as_json: bool) -> None:
    """Build (or load) the default city and print its summary.

    Later steps of the product add patrols, zones and routes, and serve the web app.
    """
    from geo.city import city_summary, get_city

    summary = city_summary(get_city(name, progress=Reporter()))
    emit(summary, as_json, summary_text(summary))

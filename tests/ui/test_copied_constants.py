"""Constants the UI copies instead of importing (to keep imports off the GUI thread's path)
must stay equal to their source."""

from attribution_workbench.core import profiles
from attribution_workbench.ui import backend, destination


def test_the_default_profile_name_is_core_profiles_one() -> None:
    assert backend.DEFAULT_PROFILE == destination.DEFAULT_PROFILE == profiles.DEFAULT_PROFILE

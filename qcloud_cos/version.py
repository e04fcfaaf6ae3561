"""Version of the official SDK API this package mirrors (the User-Agent is derived from it)."""

# The official SDK reports '5.1.9.44'; code that checks qcloud_cos.__version__ keeps working.
__version__ = '5.1.9.44'

# This implementation's own release number.
__dropin_version__ = '0.1.0'

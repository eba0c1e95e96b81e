"""The storefront: the app proxy API the loyalty widget calls, the widget file itself, and
the merchant's check that the widget's app embed is switched on in the theme."""

# Render rules: report (HTML, PDF) and vouwkaarten per gemeente.

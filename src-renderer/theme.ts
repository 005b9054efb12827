/**
 * Skiff's look on top of naive-ui: one accent colour, calm greys, status colours (success
 * green, warning amber, error red) shared by tags and health cards, and slightly rounder
 * corners for a desktop feel.
 */
import type { GlobalThemeOverrides } from 'naive-ui';

export function themeOverrides(dark: boolean): GlobalThemeOverrides {
  const primary = dark ? '#5b9dff' : '#2463eb';
  return {
    common: {
      primaryColor: primary,
      primaryColorHover: dark ? '#79b0ff' : '#3b76f0',
      primaryColorPressed: dark ? '#4a86e8' : '#1d4fc4',
      primaryColorSuppl: primary,
      successColor: dark ? '#3fb97a' : '#16a34a',
      warningColor: dark ? '#e0a030' : '#d97706',
      errorColor: dark ? '#f06a6a' : '#dc2626',
      borderRadius: '6px',
      borderRadiusSmall: '4px',
      fontSize: '14px',
      fontFamily:
        "Inter, -apple-system, BlinkMacSystemFont, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
      fontFamilyMono: "ui-monospace, SFMono-Regular, 'JetBrains Mono', Menlo, Consolas, monospace",
      bodyColor: dark ? '#15171c' : '#f6f7f9',
      cardColor: dark ? '#1d2027' : '#ffffff',
      tableColor: dark ? '#1d2027' : '#ffffff',
    },
    Layout: {
      color: dark ? '#15171c' : '#f6f7f9',
      siderColor: dark ? '#1a1c22' : '#ffffff',
      headerColor: dark ? '#1a1c22' : '#ffffff',
    },
    Card: { borderRadius: '10px' },
    // The dark accent (#5b9dff) reads well as text and outlines on the dark background, but as a
    // button fill it looked washed out under its text (white on it is 2.7:1). Dark primary
    // buttons get a deeper fill with white text at WCAG AA (4.5:1 or better in every state):
    // #2f6ae6 4.9:1, hover #3570e8 4.5:1, pressed #2a62d8 5.5:1.
    Button: dark
      ? {
          colorPrimary: '#2f6ae6',
          colorHoverPrimary: '#3570e8',
          colorFocusPrimary: '#3570e8',
          colorPressedPrimary: '#2a62d8',
          borderPrimary: '1px solid #2f6ae6',
          borderHoverPrimary: '1px solid #3570e8',
          borderFocusPrimary: '1px solid #3570e8',
          borderPressedPrimary: '1px solid #2a62d8',
          textColorPrimary: '#ffffff',
          textColorHoverPrimary: '#ffffff',
          textColorFocusPrimary: '#ffffff',
          textColorPressedPrimary: '#ffffff',
        }
      : {},
    DataTable: { thFontWeight: '600' },
  };
}
